package boltstore

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/hookseal/hookseal/inbox"
)

// record is the part of an inbox entry that never changes once appended,
// kept apart from its state so that leasing, renewing and retrying rewrite
// a few dozen bytes rather than the body.
type record struct {
	key, route, resource string
	eventTime, accepted  time.Time
	coalesce             bool
	body                 []byte // aliases the transaction's memory until cloned
	meta                 map[string]string
}

const recordVersion = 1

func (r *record) encode() []byte {
	b := make([]byte, 0, 64+len(r.key)+len(r.route)+len(r.resource)+len(r.body))
	b = append(b, recordVersion)
	b = appendString(b, r.key)
	b = appendString(b, r.route)
	b = appendString(b, r.resource)
	b = appendTime(b, r.eventTime)
	b = appendTime(b, r.accepted)
	b = appendBool(b, r.coalesce)
	b = appendString(b, string(r.body))
	keys := slices.Sorted(maps.Keys(r.meta)) // the same entry encodes the same way
	b = appendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, r.meta[k])
	}
	return b
}

// decodeRecord reads v; with full false it leaves the meta out, for the
// operations that need only where an entry belongs. The body aliases v.
func decodeRecord(v []byte, full bool) (record, error) {
	rd := reader{b: v}
	if rd.byte() != recordVersion {
		return record{}, errCorrupt
	}
	r := record{
		key: rd.string(), route: rd.string(), resource: rd.string(),
		eventTime: rd.time(), accepted: rd.time(), coalesce: rd.bool(), body: rd.bytes(),
	}
	if full {
		if n := rd.uvarint(); n > 0 && n <= uint64(len(rd.b)) {
			r.meta = make(map[string]string, n)
			for range n {
				k := rd.string()
				r.meta[k] = rd.string()
			}
		}
	}
	return r, rd.err
}

// state is the part of an inbox entry its runs change, and where it is
// indexed (its slot). The file keeps it for entries that have run or died
// (an entry without one has the zero state); of the slot it keeps only a
// lease, the rest follows from the other facts (see mem).
type state struct {
	attempts  int
	notBefore time.Time
	lastError string
	dead      bool
	token     string // the latest lease's; "" when never leased or returned
	slot      byte
	slotAt    time.Time // NotBefore in delayed, the lease's end in leased
}

// The index of mem an entry is in: at most one of these at a time. The
// values are part of the file's format: inbox.state keeps slotLeased (and
// format 1 kept the others).
const (
	slotNone    byte = iota // dead, or waiting behind its resource's head
	slotReady               // in mem.ready
	slotDelayed             // in mem.delayed, until slotAt
	slotLeased              // in mem.leases, until slotAt
)

const stateVersion = 1

func (s *state) encode() []byte {
	b := make([]byte, 0, 48+len(s.lastError)+len(s.token))
	b = append(b, stateVersion)
	b = appendUvarint(b, uint64(s.attempts))
	b = appendTime(b, s.notBefore)
	b = appendString(b, s.lastError)
	b = appendBool(b, s.dead)
	b = appendString(b, s.token)
	b = append(b, s.slot)
	return appendTime(b, s.slotAt)
}

func decodeState(v []byte) (state, error) {
	rd := reader{b: v}
	if rd.byte() != stateVersion {
		return state{}, errCorrupt
	}
	s := state{
		attempts: int(rd.uvarint()), notBefore: rd.time(), lastError: rd.string(),
		dead: rd.bool(), token: rd.string(), slot: rd.byte(), slotAt: rd.time(),
	}
	return s, rd.err
}

// entry builds what the inbox returns, owning its memory.
func entry(id uint64, r record, s state) inbox.Entry {
	e := inbox.Entry{
		ID: strconv.FormatUint(id, 10), Key: r.key, Route: r.route, Resource: r.resource,
		EventTime: r.eventTime, Coalesce: r.coalesce, Accepted: r.accepted,
		Attempts: s.attempts, NotBefore: s.notBefore, LastError: s.lastError, Dead: s.dead,
		Body: slices.Clone(r.body), Meta: r.meta, // decoded into a map of its own
	}
	return e
}

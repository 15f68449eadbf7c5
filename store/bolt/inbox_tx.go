package boltstore

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ibx is one inbox operation: the moment it happens, the indexes in
// memory, and the buckets of its transaction that hold the facts.
type ibx struct {
	cfg *config
	now time.Time
	m   *mem

	entries, state, keys *bolt.Bucket
}

// ibx starts an inbox operation in tx; the caller holds d.mu. It fails
// when the indexes could not be loaded again after a failed commit.
func (d *DB) ibx(tx *bolt.Tx) (*ibx, error) {
	if d.memErr != nil {
		return nil, d.memErr
	}
	return &ibx{
		cfg: &d.cfg, now: wall(d.cfg.clock()), m: d.mem,
		entries: tx.Bucket(bEntries), state: tx.Bucket(bState), keys: tx.Bucket(bKeys),
	}, nil
}

// wall is t as the file keeps it: the wall-clock instant in UTC, without
// a monotonic reading, so that the indexes in memory compare times as
// they will after a restart.
func wall(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(t.Unix(), int64(t.Nanosecond())).UTC()
}

// keyAcked marks a value of inbox.keys: when the remembered
// acknowledgement of the key ends. (Format 1 also kept 'h' values, the ID
// of the entry holding a key; the keys of entries are in memory now. The
// sweep removes any other value it finds.)
const keyAcked = 'a'

// sweepBudget is how many records of inbox.keys each remembered key
// makes the sweep look at (see sweep).
const sweepBudget = 8

// ent returns the entry id, which the indexes say exists.
func (x *ibx) ent(id uint64) (*ment, error) {
	e := x.m.ents[id]
	if e == nil {
		return nil, fmt.Errorf("inbox entry %d: indexed but not in memory: %w", id, errCorrupt)
	}
	return e, nil
}

// persist writes the entry's state: the facts of it, which load reads
// back. Of its slot only a lease is one.
func (x *ibx) persist(id uint64, e *ment) error {
	s := e.st
	if s.slot != slotLeased {
		s.slot, s.slotAt = slotNone, time.Time{}
	}
	return x.state.Put(idKey(id), s.encode())
}

// loadRecord reads id's record; without full, its meta is left out. The
// body aliases the transaction's memory.
func (x *ibx) loadRecord(id uint64, full bool) (record, error) {
	return readRecord(x.entries, id, full)
}

// readRecord reads id's record from inbox.entries, which the indexes say
// holds it.
func readRecord(entries *bolt.Bucket, id uint64, full bool) (record, error) {
	v := entries.Get(idKey(id))
	if v == nil {
		return record{}, fmt.Errorf("inbox entry %d: indexed but not in the file: %w", id, errCorrupt)
	}
	r, err := decodeRecord(v, full)
	if err != nil {
		return record{}, fmt.Errorf("inbox entry %d: %w", id, err)
	}
	return r, nil
}

// enqueue makes a pending, unslotted entry wait for its turn.
func (x *ibx) enqueue(id uint64, e *ment) {
	if e.resource == "" {
		x.m.queueUp(id, e, x.now)
		return
	}
	x.m.queues[e.resource] = insertTimed(x.m.queues[e.resource], timedID{at: e.eventTime, id: id})
	x.m.settle(e.resource, x.now)
}

// remove deletes an entry and everything that refers to it. With settle
// false its resource is left for the caller to settle.
func (x *ibx) remove(id uint64, e *ment, settle bool) error {
	k := idKey(id)
	if err := x.entries.Delete(k); err != nil {
		return err
	}
	if err := x.state.Delete(k); err != nil {
		return err
	}
	m := x.m
	m.unslot(id, e)
	if e.st.dead {
		delete(m.dead, id)
	} else {
		m.accepted.remove(e)
		m.dequeue(id, e)
	}
	if e.key != "" && m.held[e.key] == id {
		delete(m.held, e.key)
	}
	delete(m.ents, id)
	m.bytes -= e.size
	if e.resource == "" || e.st.dead {
		return nil
	}
	h := m.resources[e.resource]
	if h.busy == id {
		h.busy = 0
	}
	if h.head == id {
		h.head = 0
	}
	m.putRes(e.resource, h)
	if settle {
		m.settle(e.resource, x.now)
	}
	return nil
}

// lookup says whether key is held (by the entry id) or remembered as
// acknowledged.
func (x *ibx) lookup(key string) (id uint64, acked bool) {
	if id, ok := x.m.held[key]; ok {
		return id, false
	}
	v := x.keys.Get([]byte(key))
	if len(v) == 1+timeLen && v[0] == keyAcked {
		return 0, x.now.Before(readTime(v[1:]))
	}
	return 0, false
}

// remember keeps an acknowledged (or superseded) Key for the retention,
// and sweeps.
func (x *ibx) remember(key string) error {
	if key == "" {
		return nil
	}
	until := x.now.Add(x.cfg.retention)
	if err := x.keys.Put([]byte(key), appendTime([]byte{keyAcked}, until)); err != nil {
		return err
	}
	return x.sweep()
}

// sweep forgets acknowledged Keys past their retention, so that the file
// does not grow with them: a hand goes round inbox.keys in key order, a
// few records (sweepBudget) each time a key is remembered, and removes
// those that have expired. Keys are remembered only here, so the hand
// goes round faster than the bucket grows: a key is removed at most one
// round (a small part of the retention) after its end, and is treated as
// absent from its end on whether removed or not. Deleting in key order
// keeps the removals of a commit on a few pages, and there is no second
// record per key, in expiry order, to write.
//
// The hand is in memory: after a restart it starts from the first key.
func (x *ibx) sweep() error {
	c := x.keys.Cursor()
	var k, v []byte
	if x.m.sweepFrom == nil {
		k, v = c.First()
	} else if k, v = c.Seek(x.m.sweepFrom); k != nil && bytes.Equal(k, x.m.sweepFrom) {
		k, v = c.Next() // looked at last time
	}
	var last []byte
	var expired [][]byte
	for range sweepBudget {
		if k == nil {
			last = nil // round again
			break
		}
		last = k
		if len(v) != 1+timeLen || v[0] != keyAcked || !readTime(v[1:]).After(x.now) {
			expired = append(expired, bytes.Clone(k))
		}
		k, v = c.Next()
	}
	x.m.sweepFrom = bytes.Clone(last)
	// Deleted once the cursor is done: a bolt cursor that deletes as it
	// goes may skip the key after each one it deletes.
	for _, k := range expired {
		if err := x.keys.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

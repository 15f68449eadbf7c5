package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ibx is the inbox's buckets in one transaction, and the moment the
// operation happens.
type ibx struct {
	cfg *config
	now time.Time

	entries, state, keys, acked            *bolt.Bucket
	ready, delayed, leases                 *bolt.Bucket
	queues, resources, dead, accepted, cnt *bolt.Bucket
}

func (d *DB) ibx(tx *bolt.Tx) *ibx {
	return &ibx{
		cfg: &d.cfg, now: d.cfg.clock(),
		entries: tx.Bucket(bEntries), state: tx.Bucket(bState), keys: tx.Bucket(bKeys), acked: tx.Bucket(bAcked),
		ready: tx.Bucket(bReady), delayed: tx.Bucket(bDelayed), leases: tx.Bucket(bLeases),
		queues: tx.Bucket(bQueues), resources: tx.Bucket(bResources), dead: tx.Bucket(bDead),
		accepted: tx.Bucket(bAccepted), cnt: tx.Bucket(bCounts),
	}
}

// Counters in inbox.counts.
var (
	cEntries = []byte("entries") // pending, running and dead
	cDead    = []byte("dead")
	cBytes   = []byte("bytes") // of the bodies held
)

// Values in inbox.keys: the ID of the entry that holds the key, or when
// the remembered acknowledgement of it ends.
const (
	keyHeld  = 'h'
	keyAcked = 'a'
)

// sweepBudget is how many expired records one write operation removes on
// the side. Every operation adds at most one record that can expire, and
// every one is removed once, so a small budget keeps up; it only bounds
// the work of an operation that follows a mass expiry.
const sweepBudget = 8

func (x *ibx) loadState(id []byte) (state, bool, error) {
	v := x.state.Get(id)
	if v == nil {
		return state{}, false, nil
	}
	s, err := decodeState(v)
	if err != nil {
		return state{}, false, fmt.Errorf("inbox entry %s state: %w", idString(id), err)
	}
	return s, true, nil
}

func (x *ibx) putState(id []byte, s *state) error { return x.state.Put(id, s.encode()) }

// loadRecord reads id's record; without full, its meta is left out.
func (x *ibx) loadRecord(id []byte, full bool) (record, error) {
	v := x.entries.Get(id)
	if v == nil {
		return record{}, fmt.Errorf("inbox entry %s: state without a record: %w", idString(id), errCorrupt)
	}
	r, err := decodeRecord(v, full)
	if err != nil {
		return record{}, fmt.Errorf("inbox entry %s: %w", idString(id), err)
	}
	return r, nil
}

// unslot takes id out of the ready, delayed or leases index.
func (x *ibx) unslot(id []byte, s *state) error {
	var err error
	switch s.slot {
	case slotReady:
		err = x.ready.Delete(id)
	case slotDelayed:
		err = x.delayed.Delete(timeKey(s.slotAt, id))
	case slotLeased:
		err = x.leases.Delete(timeKey(s.slotAt, id))
	}
	s.slot, s.slotAt = slotNone, time.Time{}
	return err
}

// queueUp makes an unslotted entry a candidate for Lease: ready now, or
// delayed until its NotBefore.
func (x *ibx) queueUp(id []byte, s *state) error {
	if s.notBefore.After(x.now) {
		s.slot, s.slotAt = slotDelayed, s.notBefore
		return x.delayed.Put(timeKey(s.notBefore, id), nil)
	}
	s.slot, s.slotAt = slotReady, time.Time{}
	return x.ready.Put(id, nil)
}

// leaseSlot records an unslotted entry as leased until end.
func (x *ibx) leaseSlot(id []byte, s *state, end time.Time) error {
	s.slot, s.slotAt = slotLeased, end
	return x.leases.Put(timeKey(end, id), nil)
}

// queuePrefix starts the keys of resource's run queue in inbox.queues:
// its length, so no resource's prefix is another's, then its bytes.
func queuePrefix(resource string) []byte {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(resource)+timeLen+8), uint32(len(resource)))
	return append(b, resource...)
}

// queueKey places an entry in its resource's run order: event time, then
// ID, which is acceptance order.
func queueKey(resource string, eventTime time.Time, id []byte) []byte {
	return append(appendTime(queuePrefix(resource), eventTime), id...)
}

// res reads a resource's record: the ID of its leased entry and of its
// head in ready or delayed, 0 for none.
func (x *ibx) res(resource string) (busy, head uint64) {
	v := x.resources.Get([]byte(resource))
	if len(v) != 16 {
		return 0, 0
	}
	return binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])
}

func (x *ibx) putRes(resource string, busy, head uint64) error {
	if busy == 0 && head == 0 {
		return x.resources.Delete([]byte(resource))
	}
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 16), busy)
	return x.resources.Put([]byte(resource), binary.BigEndian.AppendUint64(v, head))
}

// settle restores a resource's invariant after a change: when none of its
// entries is leased, its first entry in run order, and only that one, is
// in ready or delayed.
func (x *ibx) settle(resource string) error {
	busy, head := x.res(resource)
	if head != 0 {
		hid := idKey(head)
		s, ok, err := x.loadState(hid)
		if err != nil {
			return err
		}
		if ok && (s.slot == slotReady || s.slot == slotDelayed) {
			if err := x.unslot(hid, &s); err != nil {
				return err
			}
			if err := x.putState(hid, &s); err != nil {
				return err
			}
		}
		head = 0
	}
	if busy == 0 {
		prefix := queuePrefix(resource)
		if k, _ := x.queues.Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
			hid := bytes.Clone(k[len(k)-8:])
			s, ok, err := x.loadState(hid)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("resource %q queues entry %s, which has no state: %w", resource, idString(hid), errCorrupt)
			}
			if err := x.unslot(hid, &s); err != nil {
				return err
			}
			if err := x.queueUp(hid, &s); err != nil {
				return err
			}
			if err := x.putState(hid, &s); err != nil {
				return err
			}
			head = idOf(hid)
		}
	}
	return x.putRes(resource, busy, head)
}

// enqueue makes a pending, unslotted entry wait for its turn, and stores
// its state.
func (x *ibx) enqueue(id []byte, r *record, s *state) error {
	if r.resource == "" {
		if err := x.queueUp(id, s); err != nil {
			return err
		}
		return x.putState(id, s)
	}
	if err := x.queues.Put(queueKey(r.resource, r.eventTime, id), nil); err != nil {
		return err
	}
	if err := x.putState(id, s); err != nil {
		return err
	}
	return x.settle(r.resource)
}

// remove deletes an entry and everything that refers to it. With settle
// false its resource is left for the caller to settle.
func (x *ibx) remove(id []byte, r *record, s *state, settle bool) error {
	if err := x.unslot(id, s); err != nil {
		return err
	}
	var errs [6]error
	if s.dead {
		errs[0] = x.dead.Delete(id)
		errs[1] = addCounter(x.cnt, cDead, -1)
	} else {
		errs[0] = x.accepted.Delete(timeKey(r.accepted, id))
		if r.resource != "" {
			errs[1] = x.queues.Delete(queueKey(r.resource, r.eventTime, id))
		}
	}
	errs[2] = x.entries.Delete(id)
	errs[3] = x.state.Delete(id)
	if r.key != "" {
		if v := x.keys.Get([]byte(r.key)); len(v) == 9 && v[0] == keyHeld && bytes.Equal(v[1:], id) {
			errs[4] = x.keys.Delete([]byte(r.key))
		}
	}
	errs[5] = addCounter(x.cnt, cEntries, -1)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if err := addCounter(x.cnt, cBytes, -len(r.body)); err != nil {
		return err
	}
	if r.resource == "" || s.dead {
		return nil
	}
	busy, head := x.res(r.resource)
	if busy == idOf(id) {
		busy = 0
	}
	if head == idOf(id) {
		head = 0
	}
	if err := x.putRes(r.resource, busy, head); err != nil {
		return err
	}
	if settle {
		return x.settle(r.resource)
	}
	return nil
}

// lookup says whether key is held (by the entry id) or remembered as
// acknowledged.
func (x *ibx) lookup(key string) (id []byte, acked bool) {
	v := x.keys.Get([]byte(key))
	switch {
	case len(v) == 9 && v[0] == keyHeld:
		return bytes.Clone(v[1:]), false
	case len(v) == 1+timeLen && v[0] == keyAcked:
		return nil, x.now.Before(readTime(v[1:]))
	}
	return nil, false
}

// remember keeps an acknowledged (or superseded) Key for the retention.
func (x *ibx) remember(key string) error {
	if key == "" {
		return nil
	}
	until := x.now.Add(x.cfg.retention)
	if err := x.keys.Put([]byte(key), appendTime([]byte{keyAcked}, until)); err != nil {
		return err
	}
	return x.acked.Put(timeKey(until, []byte(key)), nil)
}

// sweep forgets up to sweepBudget acknowledged Keys past their retention,
// oldest first: inbox.acked is in expiry order, so finding them costs one
// seek when there are none.
func (x *ibx) sweep() error {
	c := x.acked.Cursor()
	for range sweepBudget {
		k, _ := c.First()
		if k == nil || readTime(k).After(x.now) {
			return nil
		}
		k = bytes.Clone(k)
		key := k[timeLen:]
		// Only the record that is still this acknowledgement's: a Key
		// forgotten, appended and acknowledged again has a later one.
		if v := x.keys.Get(key); len(v) == 1+timeLen && v[0] == keyAcked && bytes.Equal(v[1:], k[:timeLen]) {
			if err := x.keys.Delete(key); err != nil {
				return err
			}
		}
		if err := x.acked.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// dueKeys returns copies of the keys of an index kept in time order whose
// time is not after now.
func (x *ibx) dueKeys(b *bolt.Bucket) [][]byte {
	var due [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && !readTime(k).After(x.now); k, _ = c.Next() {
		due = append(due, bytes.Clone(k))
	}
	return due
}

// promote applies what time did since the last Lease: entries whose
// backoff ended become ready, and entries whose lease ran out are
// pending again (their token still stands until someone leases them), so
// their resource is free. Every transition happens once, so the work is
// proportional to what changed, not to what is held.
func (x *ibx) promote() error {
	for _, k := range x.dueKeys(x.delayed) {
		id := k[timeLen:]
		s, ok, err := x.loadState(id)
		if err != nil {
			return err
		}
		if err := x.delayed.Delete(k); err != nil {
			return err
		}
		if !ok || s.slot != slotDelayed {
			continue // a stray record; nothing refers to it any more
		}
		s.slot, s.slotAt = slotReady, time.Time{}
		if err := x.ready.Put(id, nil); err != nil {
			return err
		}
		if err := x.putState(id, &s); err != nil {
			return err
		}
	}
	for _, k := range x.dueKeys(x.leases) {
		id := k[timeLen:]
		s, ok, err := x.loadState(id)
		if err != nil {
			return err
		}
		if err := x.leases.Delete(k); err != nil {
			return err
		}
		if !ok || s.slot != slotLeased {
			continue
		}
		s.slot, s.slotAt = slotNone, time.Time{}
		r, err := x.loadRecord(id, false)
		if err != nil {
			return err
		}
		if r.resource == "" {
			if err := x.queueUp(id, &s); err != nil {
				return err
			}
			if err := x.putState(id, &s); err != nil {
				return err
			}
			continue
		}
		if err := x.putState(id, &s); err != nil {
			return err
		}
		busy, head := x.res(r.resource)
		if busy == idOf(id) {
			busy = 0
		}
		if err := x.putRes(r.resource, busy, head); err != nil {
			return err
		}
		if err := x.settle(r.resource); err != nil {
			return err
		}
	}
	return nil
}

// mayBeReady reports, without writing, whether Lease could find an entry:
// one is ready, or a backoff or lease has ended since the last Lease.
func (x *ibx) mayBeReady() bool {
	if k, _ := x.ready.Cursor().First(); k != nil {
		return true
	}
	for _, b := range []*bolt.Bucket{x.delayed, x.leases} {
		if k, _ := b.Cursor().First(); k != nil && !readTime(k).After(x.now) {
			return true
		}
	}
	return false
}

package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hookseal/hookseal/inbox"
)

// Append implements inbox.Inbox: it returns once the entry is fsync'd. A
// Key or Resource longer than 4096 bytes is refused with an error (not
// inbox.ErrFull): it cannot be a bolt key, and no sender sends one.
func (ib *Inbox) Append(ctx context.Context, e inbox.Entry) (string, bool, error) {
	d := ib.d
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	if len(e.Key) > maxKeyLen || len(e.Resource) > maxKeyLen {
		return "", false, fmt.Errorf("boltstore: Append: Key (%d bytes) and Resource (%d bytes) must be at most %d bytes", len(e.Key), len(e.Resource), maxKeyLen)
	}
	var (
		id    string
		added bool
		opErr error
	)
	err := d.update(ctx, func(tx *bolt.Tx) error {
		id, added, opErr = "", false, nil
		if opErr = ctx.Err(); opErr != nil {
			return nil
		}
		x := d.ibx(tx)
		if err := x.sweep(); err != nil {
			return err
		}
		if e.Key != "" {
			held, acked := x.lookup(e.Key)
			if held != nil {
				id = idString(held)
				return nil
			}
			if acked {
				return nil
			}
		}
		if n := counter(x.cnt, cEntries); n >= uint64(d.cfg.maxEntries) {
			opErr = fmt.Errorf("%w: %d entries, the bound", inbox.ErrFull, n)
			return nil
		}
		if n := counter(x.cnt, cBytes); n+uint64(len(e.Body)) > uint64(d.cfg.maxBytes) {
			opErr = fmt.Errorf("%w: %d bytes held, the bound is %d", inbox.ErrFull, n, d.cfg.maxBytes)
			return nil
		}
		seq, err := x.entries.NextSequence()
		if err != nil {
			return err
		}
		k := idKey(seq)
		r := record{
			key: e.Key, route: e.Route, resource: e.Resource, eventTime: e.EventTime,
			accepted: x.now, coalesce: e.Coalesce, body: e.Body, meta: e.Meta,
		}
		if err := x.entries.Put(k, r.encode()); err != nil {
			return err
		}
		if e.Key != "" {
			if err := x.keys.Put([]byte(e.Key), append([]byte{keyHeld}, k...)); err != nil {
				return err
			}
		}
		if err := addCounter(x.cnt, cEntries, 1); err != nil {
			return err
		}
		if err := addCounter(x.cnt, cBytes, len(e.Body)); err != nil {
			return err
		}
		s := state{}
		if e.Dead {
			s.dead, s.lastError = true, e.LastError
			if err := x.dead.Put(k, nil); err != nil {
				return err
			}
			if err := addCounter(x.cnt, cDead, 1); err != nil {
				return err
			}
			if err := x.putState(k, &s); err != nil {
				return err
			}
		} else {
			if err := x.accepted.Put(timeKey(x.now, k), nil); err != nil {
				return err
			}
			if err := x.enqueue(k, &r, &s); err != nil {
				return err
			}
		}
		id, added = strconv.FormatUint(seq, 10), true
		return nil
	})
	if err != nil {
		return "", false, err
	}
	return id, added, opErr
}

// Lease implements inbox.Inbox. When nothing can be ready it answers
// inbox.ErrEmpty from a read-only transaction, so idle runners polling
// cost no fsync.
func (ib *Inbox) Lease(ctx context.Context, lease time.Duration) (inbox.Lease, error) {
	d := ib.d
	if err := ctx.Err(); err != nil {
		return inbox.Lease{}, err
	}
	if lease <= 0 {
		return inbox.Lease{}, inbox.ErrInvalidDuration
	}
	var maybe bool
	if err := d.view(func(tx *bolt.Tx) error { maybe = d.ibx(tx).mayBeReady(); return nil }); err != nil {
		return inbox.Lease{}, err
	}
	if !maybe {
		return inbox.Lease{}, inbox.ErrEmpty
	}
	var (
		out   inbox.Lease
		opErr error
	)
	err := d.update(ctx, func(tx *bolt.Tx) error {
		out, opErr = inbox.Lease{}, nil
		if opErr = ctx.Err(); opErr != nil {
			return nil
		}
		x := d.ibx(tx)
		if err := x.sweep(); err != nil {
			return err
		}
		if err := x.promote(); err != nil {
			return err
		}
		k, _ := x.ready.Cursor().First() // the smallest ID: first accepted
		if k == nil {
			opErr = inbox.ErrEmpty
			return nil
		}
		var err error
		out, err = x.lease(bytes.Clone(k), lease)
		return err
	})
	if err != nil {
		return inbox.Lease{}, err
	}
	return out, opErr
}

// lease leases the ready entry id (for a coalescing resource, the newest
// entry of its resource instead, superseding the others).
func (x *ibx) lease(id []byte, lease time.Duration) (inbox.Lease, error) {
	var out inbox.Lease
	r, err := x.loadRecord(id, false)
	if err != nil {
		return out, err
	}
	if r.resource != "" && r.coalesce {
		prefix := queuePrefix(r.resource)
		var ids [][]byte
		c := x.queues.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, bytes.Clone(k[len(k)-8:]))
		}
		if len(ids) == 0 {
			return out, fmt.Errorf("ready entry %s is not in its resource's queue: %w", idString(id), errCorrupt)
		}
		for _, old := range ids[:len(ids)-1] {
			oldRec, err := x.loadRecord(old, true)
			if err != nil {
				return out, err
			}
			oldState, _, err := x.loadState(old)
			if err != nil {
				return out, err
			}
			out.Superseded = append(out.Superseded, entry(old, oldRec, oldState))
			if err := x.remove(old, &oldRec, &oldState, false); err != nil {
				return out, err
			}
			if err := x.remember(oldRec.key); err != nil {
				return out, err
			}
		}
		id = ids[len(ids)-1]
	}
	r, err = x.loadRecord(id, true)
	if err != nil {
		return out, err
	}
	s, _, err := x.loadState(id)
	if err != nil {
		return out, err
	}
	if err := x.unslot(id, &s); err != nil {
		return out, err
	}
	seq, err := x.entries.NextSequence()
	if err != nil {
		return out, err
	}
	s.token = "t" + strconv.FormatUint(seq, 10)
	s.attempts++
	if err := x.leaseSlot(id, &s, x.now.Add(lease)); err != nil {
		return out, err
	}
	if err := x.putState(id, &s); err != nil {
		return out, err
	}
	if r.resource != "" {
		// The resource is busy: no head waits in ready or delayed (the
		// one that did is this entry, or was superseded).
		if err := x.putRes(r.resource, idOf(id), 0); err != nil {
			return out, err
		}
	}
	out.Entry, out.Token = entry(id, r, s), s.token
	return out, nil
}

// held returns l's entry while l holds it: the entry is not dead and its
// latest lease is l's, whether or not that lease ran out.
func (x *ibx) held(l inbox.Lease) ([]byte, state, bool, error) {
	id, ok := parseID(l.Entry.ID)
	if !ok || l.Token == "" {
		return nil, state{}, false, nil
	}
	s, ok, err := x.loadState(id)
	if err != nil || !ok || s.dead || s.token != l.Token {
		return nil, state{}, false, err
	}
	return id, s, true, nil
}

// leased runs fn on l's entry in a write transaction when l still holds
// it; otherwise it returns inbox.ErrLeaseLost, changing nothing.
func (d *DB) leased(ctx context.Context, l inbox.Lease, fn func(x *ibx, id []byte, s state) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var opErr error
	err := d.update(ctx, func(tx *bolt.Tx) error {
		if opErr = ctx.Err(); opErr != nil {
			return nil
		}
		x := d.ibx(tx)
		id, s, ok, err := x.held(l)
		if err != nil {
			return err
		}
		if !ok {
			opErr = inbox.ErrLeaseLost
			return nil
		}
		if err := x.sweep(); err != nil {
			return err
		}
		return fn(x, id, s)
	})
	if err != nil {
		return err
	}
	return opErr
}

// Retention is how long the inbox remembers the Key of a handled entry: a
// route with this inbox relies on it to recognise copies (see
// middleware.WithInbox).
func (ib *Inbox) Retention() time.Duration { return ib.d.cfg.retention }

// Renew implements inbox.Inbox. A lease that ran out is lost, even when
// nobody took the entry over: another entry of its resource may have
// started in the meantime.
func (ib *Inbox) Renew(ctx context.Context, l inbox.Lease, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if lease <= 0 {
		return inbox.ErrInvalidDuration
	}
	lost := false
	err := ib.d.leased(ctx, l, func(x *ibx, id []byte, s state) error {
		if s.slot != slotLeased || !x.now.Before(s.slotAt) {
			lost = true
			return nil
		}
		if err := x.unslot(id, &s); err != nil {
			return err
		}
		if err := x.leaseSlot(id, &s, x.now.Add(lease)); err != nil {
			return err
		}
		return x.putState(id, &s)
	})
	if err == nil && lost {
		return inbox.ErrLeaseLost
	}
	return err
}

// Ack implements inbox.Inbox.
func (ib *Inbox) Ack(ctx context.Context, l inbox.Lease) error {
	d := ib.d
	return d.leased(ctx, l, func(x *ibx, id []byte, s state) error {
		r, err := x.loadRecord(id, false)
		if err != nil {
			return err
		}
		if err := x.remove(id, &r, &s, true); err != nil {
			return err
		}
		return x.remember(r.key)
	})
}

// Retry implements inbox.Inbox.
func (ib *Inbox) Retry(ctx context.Context, l inbox.Lease, notBefore time.Time, cause string) error {
	d := ib.d
	return d.leased(ctx, l, func(x *ibx, id []byte, s state) error {
		r, err := x.loadRecord(id, false)
		if err != nil {
			return err
		}
		if err := x.unslot(id, &s); err != nil {
			return err
		}
		s.token, s.notBefore, s.lastError = "", notBefore, cause
		if r.resource == "" {
			if err := x.queueUp(id, &s); err != nil {
				return err
			}
			return x.putState(id, &s)
		}
		if err := x.putState(id, &s); err != nil {
			return err
		}
		return x.free(r.resource, id)
	})
}

// free records that id no longer holds or heads its resource, and
// settles the resource.
func (x *ibx) free(resource string, id []byte) error {
	busy, head := x.res(resource)
	if busy == idOf(id) {
		busy = 0
	}
	if head == idOf(id) {
		head = 0
	}
	if err := x.putRes(resource, busy, head); err != nil {
		return err
	}
	return x.settle(resource)
}

// Bury implements inbox.Inbox.
func (ib *Inbox) Bury(ctx context.Context, l inbox.Lease, cause string) error {
	d := ib.d
	return d.leased(ctx, l, func(x *ibx, id []byte, s state) error {
		r, err := x.loadRecord(id, false)
		if err != nil {
			return err
		}
		if err := x.unslot(id, &s); err != nil {
			return err
		}
		if err := x.accepted.Delete(timeKey(r.accepted, id)); err != nil {
			return err
		}
		if err := x.dead.Put(id, nil); err != nil {
			return err
		}
		if err := addCounter(x.cnt, cDead, 1); err != nil {
			return err
		}
		s.token, s.dead, s.lastError = "", true, cause
		if err := x.putState(id, &s); err != nil {
			return err
		}
		if r.resource == "" {
			return nil
		}
		if err := x.queues.Delete(queueKey(r.resource, r.eventTime, id)); err != nil {
			return err
		}
		return x.free(r.resource, id)
	})
}

// deadLetter runs fn on the dead letter id in a write transaction, or
// returns inbox.ErrNotFound, changing nothing.
func (d *DB) deadLetter(ctx context.Context, id string, fn func(x *ibx, k []byte, s state) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var opErr error
	err := d.update(ctx, func(tx *bolt.Tx) error {
		if opErr = ctx.Err(); opErr != nil {
			return nil
		}
		x := d.ibx(tx)
		k, ok := parseID(id)
		if !ok {
			opErr = inbox.ErrNotFound
			return nil
		}
		s, ok, err := x.loadState(k)
		if err != nil {
			return err
		}
		if !ok || !s.dead {
			opErr = inbox.ErrNotFound
			return nil
		}
		return fn(x, k, s)
	})
	if err != nil {
		return err
	}
	return opErr
}

// Revive implements inbox.Inbox. The entry keeps its Attempts, so the
// attempt number (a handler's fence) keeps growing.
func (ib *Inbox) Revive(ctx context.Context, id string) error {
	d := ib.d
	return d.deadLetter(ctx, id, func(x *ibx, k []byte, s state) error {
		r, err := x.loadRecord(k, false)
		if err != nil {
			return err
		}
		if err := x.dead.Delete(k); err != nil {
			return err
		}
		if err := addCounter(x.cnt, cDead, -1); err != nil {
			return err
		}
		if err := x.accepted.Put(timeKey(r.accepted, k), nil); err != nil {
			return err
		}
		s.dead, s.notBefore, s.token = false, time.Time{}, ""
		return x.enqueue(k, &r, &s)
	})
}

// Drop implements inbox.Inbox.
func (ib *Inbox) Drop(ctx context.Context, id string) error {
	d := ib.d
	return d.deadLetter(ctx, id, func(x *ibx, k []byte, s state) error {
		r, err := x.loadRecord(k, false)
		if err != nil {
			return err
		}
		return x.remove(k, &r, &s, false)
	})
}

// Stats implements inbox.Inbox, from a read-only transaction: it reads
// three counters, the leases (as many as entries run at once) and the
// first acceptance.
func (ib *Inbox) Stats(ctx context.Context) (inbox.Stats, error) {
	d := ib.d
	if err := ctx.Err(); err != nil {
		return inbox.Stats{}, err
	}
	var st inbox.Stats
	err := d.view(func(tx *bolt.Tx) error {
		x := d.ibx(tx)
		c := x.leases.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if readTime(k).After(x.now) {
				st.Running++
			}
		}
		entries, dead := int(counter(x.cnt, cEntries)), int(counter(x.cnt, cDead))
		st.Dead = dead
		st.Pending = entries - dead - st.Running
		if k, _ := x.accepted.Cursor().First(); k != nil {
			st.OldestPending = readTime(k)
		}
		return nil
	})
	return st, err
}

// Dead implements inbox.Inbox; limit <= 0 lists them all.
func (ib *Inbox) Dead(ctx context.Context, limit int) ([]inbox.Entry, error) {
	d := ib.d
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []inbox.Entry
	err := d.view(func(tx *bolt.Tx) error {
		out = nil
		x := d.ibx(tx)
		c := x.dead.Cursor()
		for k, _ := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
			e, err := x.get(k)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Get implements inbox.Inbox.
func (ib *Inbox) Get(ctx context.Context, id string) (inbox.Entry, error) {
	d := ib.d
	if err := ctx.Err(); err != nil {
		return inbox.Entry{}, err
	}
	k, ok := parseID(id)
	if !ok {
		return inbox.Entry{}, inbox.ErrNotFound
	}
	var e inbox.Entry
	found := false
	err := d.view(func(tx *bolt.Tx) error {
		x := d.ibx(tx)
		if x.state.Get(k) == nil {
			return nil
		}
		var err error
		e, err = x.get(k)
		found = err == nil
		return err
	})
	switch {
	case err != nil:
		return inbox.Entry{}, err
	case !found:
		return inbox.Entry{}, inbox.ErrNotFound
	}
	return e, nil
}

func (x *ibx) get(id []byte) (inbox.Entry, error) {
	r, err := x.loadRecord(id, true)
	if err != nil {
		return inbox.Entry{}, err
	}
	s, ok, err := x.loadState(id)
	if err != nil {
		return inbox.Entry{}, err
	}
	if !ok {
		return inbox.Entry{}, fmt.Errorf("inbox entry %s: record without a state: %w", idString(id), errCorrupt)
	}
	return entry(id, r, s), nil
}

package boltstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
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
		x, err := d.ibx(tx)
		if err != nil {
			return err
		}
		if e.Key != "" {
			held, acked := x.lookup(e.Key)
			if held != 0 {
				id = strconv.FormatUint(held, 10)
				return nil
			}
			if acked {
				return nil
			}
		}
		m := x.m
		if n := len(m.ents); n >= d.cfg.maxEntries {
			opErr = fmt.Errorf("%w: %d entries, the bound", inbox.ErrFull, n)
			return nil
		}
		if n := m.bytes; n+len(e.Body) > d.cfg.maxBytes {
			opErr = fmt.Errorf("%w: %d bytes held, the bound is %d", inbox.ErrFull, n, d.cfg.maxBytes)
			return nil
		}
		seq, err := x.entries.NextSequence()
		if err != nil {
			return err
		}
		r := record{
			key: e.Key, route: e.Route, resource: e.Resource, eventTime: wall(e.EventTime),
			accepted: x.now, coalesce: e.Coalesce, body: e.Body, meta: e.Meta,
		}
		if err := x.entries.Put(idKey(seq), r.encode()); err != nil {
			return err
		}
		me := newMent(&r, state{dead: e.Dead})
		if e.Dead {
			// Its state is written; a pending entry's is the zero state,
			// which an entry without one has.
			me.st.lastError = e.LastError
			if err := x.persist(seq, me); err != nil {
				return err
			}
		}
		m.add(seq, me)
		if !e.Dead {
			x.enqueue(seq, me)
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
	// A look at the indexes first, so that idle runners polling an empty
	// inbox write nothing. When the look fails (the DB closed, or the
	// indexes could not be loaded again after a failed commit), the write
	// says so, or loads them again.
	if maybe, err := d.peek(func(m *mem, now time.Time) bool { return m.mayBeReady(now) }); err == nil && !maybe {
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
		x, err := d.ibx(tx)
		if err != nil {
			return err
		}
		x.m.promote(x.now)
		f, ok := x.m.ready.first() // the smallest ID: first accepted
		if !ok {
			opErr = inbox.ErrEmpty
			return nil
		}
		out, err = x.lease(f.id, lease)
		return err
	})
	if err != nil {
		return inbox.Lease{}, err
	}
	return out, opErr
}

// lease leases the ready entry id (for a coalescing resource, the newest
// entry of its resource instead, superseding the others).
func (x *ibx) lease(id uint64, lease time.Duration) (inbox.Lease, error) {
	var out inbox.Lease
	e, err := x.ent(id)
	if err != nil {
		return out, err
	}
	if e.resource != "" && e.coalesce {
		q := x.m.queues[e.resource]
		if len(q) == 0 {
			return out, fmt.Errorf("ready entry %d is not in its resource's queue: %w", id, errCorrupt)
		}
		older := make([]uint64, 0, len(q)-1)
		for _, t := range q[:len(q)-1] {
			older = append(older, t.id)
		}
		id = q[len(q)-1].id
		for _, old := range older {
			oe, err := x.ent(old)
			if err != nil {
				return out, err
			}
			r, err := x.loadRecord(old, true)
			if err != nil {
				return out, err
			}
			out.Superseded = append(out.Superseded, entry(old, r, oe.st))
			if err := x.remove(old, oe, false); err != nil {
				return out, err
			}
			if err := x.remember(oe.key); err != nil {
				return out, err
			}
		}
		if e, err = x.ent(id); err != nil {
			return out, err
		}
	}
	r, err := x.loadRecord(id, true)
	if err != nil {
		return out, err
	}
	seq, err := x.entries.NextSequence()
	if err != nil {
		return out, err
	}
	x.m.unslot(id, e)
	e.st.token = "t" + strconv.FormatUint(seq, 10)
	e.st.attempts++
	x.m.leaseSlot(id, e, x.now.Add(lease))
	if err := x.persist(id, e); err != nil {
		return out, err
	}
	if e.resource != "" {
		// The resource is busy: no head waits in ready or delayed (the
		// one that did is this entry, or was superseded).
		x.m.putRes(e.resource, resHeads{busy: id})
	}
	out.Entry, out.Token = entry(id, r, e.st), e.st.token
	return out, nil
}

// held returns l's entry while l holds it: the entry is not dead and its
// latest lease is l's, whether or not that lease ran out.
func (x *ibx) held(l inbox.Lease) (uint64, *ment, bool) {
	id, ok := parseID(l.Entry.ID)
	if !ok || l.Token == "" {
		return 0, nil, false
	}
	e := x.m.ents[id]
	if e == nil || e.st.dead || e.st.token != l.Token {
		return 0, nil, false
	}
	return id, e, true
}

// leased runs fn on l's entry in a write transaction when l still holds
// it; otherwise it returns inbox.ErrLeaseLost, changing nothing.
func (d *DB) leased(ctx context.Context, l inbox.Lease, fn func(x *ibx, id uint64, e *ment) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var opErr error
	err := d.update(ctx, func(tx *bolt.Tx) error {
		if opErr = ctx.Err(); opErr != nil {
			return nil
		}
		x, err := d.ibx(tx)
		if err != nil {
			return err
		}
		id, e, ok := x.held(l)
		if !ok {
			opErr = inbox.ErrLeaseLost
			return nil
		}
		return fn(x, id, e)
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
	err := ib.d.leased(ctx, l, func(x *ibx, id uint64, e *ment) error {
		lost = false // the call may run again (see DB.update)
		if e.st.slot != slotLeased || !x.now.Before(e.st.slotAt) {
			lost = true
			return nil
		}
		x.m.unslot(id, e)
		x.m.leaseSlot(id, e, x.now.Add(lease))
		return x.persist(id, e)
	})
	if err == nil && lost {
		return inbox.ErrLeaseLost
	}
	return err
}

// Ack implements inbox.Inbox.
func (ib *Inbox) Ack(ctx context.Context, l inbox.Lease) error {
	return ib.d.leased(ctx, l, func(x *ibx, id uint64, e *ment) error {
		if err := x.remove(id, e, true); err != nil {
			return err
		}
		return x.remember(e.key)
	})
}

// Retry implements inbox.Inbox.
func (ib *Inbox) Retry(ctx context.Context, l inbox.Lease, notBefore time.Time, cause string) error {
	return ib.d.leased(ctx, l, func(x *ibx, id uint64, e *ment) error {
		x.m.unslot(id, e)
		e.st.token, e.st.notBefore, e.st.lastError = "", wall(notBefore), cause
		if err := x.persist(id, e); err != nil {
			return err
		}
		if e.resource == "" {
			x.m.queueUp(id, e, x.now)
			return nil
		}
		x.m.free(e.resource, id, x.now)
		return nil
	})
}

// Bury implements inbox.Inbox.
func (ib *Inbox) Bury(ctx context.Context, l inbox.Lease, cause string) error {
	return ib.d.leased(ctx, l, func(x *ibx, id uint64, e *ment) error {
		m := x.m
		m.unslot(id, e)
		e.st.token, e.st.dead, e.st.lastError = "", true, cause
		if err := x.persist(id, e); err != nil {
			return err
		}
		m.accepted.remove(e)
		m.dead[id] = struct{}{}
		if e.resource == "" {
			return nil
		}
		m.dequeue(id, e)
		m.free(e.resource, id, x.now)
		return nil
	})
}

// deadLetter runs fn on the dead letter id in a write transaction, or
// returns inbox.ErrNotFound, changing nothing.
func (d *DB) deadLetter(ctx context.Context, id string, fn func(x *ibx, id uint64, e *ment) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var opErr error
	err := d.update(ctx, func(tx *bolt.Tx) error {
		if opErr = ctx.Err(); opErr != nil {
			return nil
		}
		x, err := d.ibx(tx)
		if err != nil {
			return err
		}
		n, ok := parseID(id)
		if !ok {
			opErr = inbox.ErrNotFound
			return nil
		}
		e := x.m.ents[n]
		if e == nil || !e.st.dead {
			opErr = inbox.ErrNotFound
			return nil
		}
		return fn(x, n, e)
	})
	if err != nil {
		return err
	}
	return opErr
}

// Revive implements inbox.Inbox. The entry keeps its Attempts, so the
// attempt number (a handler's fence) keeps growing.
func (ib *Inbox) Revive(ctx context.Context, id string) error {
	return ib.d.deadLetter(ctx, id, func(x *ibx, id uint64, e *ment) error {
		e.st.dead, e.st.notBefore, e.st.token = false, time.Time{}, ""
		if err := x.persist(id, e); err != nil {
			return err
		}
		delete(x.m.dead, id)
		x.m.accepted.add(id, e, e.accepted)
		x.enqueue(id, e)
		return nil
	})
}

// Drop implements inbox.Inbox.
func (ib *Inbox) Drop(ctx context.Context, id string) error {
	return ib.d.deadLetter(ctx, id, func(x *ibx, id uint64, e *ment) error {
		return x.remove(id, e, false)
	})
}

// Stats implements inbox.Inbox, from the indexes in memory: it counts the
// leases (as many as entries run at once).
func (ib *Inbox) Stats(ctx context.Context) (inbox.Stats, error) {
	if err := ctx.Err(); err != nil {
		return inbox.Stats{}, err
	}
	var st inbox.Stats
	_, err := ib.d.peek(func(m *mem, now time.Time) bool {
		for _, l := range m.leases.items {
			if l.at.After(now) {
				st.Running++
			}
		}
		st.Dead = len(m.dead)
		st.Pending = len(m.ents) - st.Dead - st.Running
		if f, ok := m.accepted.first(); ok {
			st.OldestPending = f.at
		}
		return true
	})
	return st, err
}

// Dead implements inbox.Inbox; limit <= 0 lists them all.
func (ib *Inbox) Dead(ctx context.Context, limit int) ([]inbox.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ib.d.entriesOf(func(m *mem) []uint64 {
		ids := slices.Sorted(maps.Keys(m.dead))
		if limit > 0 && len(ids) > limit {
			ids = ids[:limit]
		}
		return ids
	})
}

// Get implements inbox.Inbox.
func (ib *Inbox) Get(ctx context.Context, id string) (inbox.Entry, error) {
	if err := ctx.Err(); err != nil {
		return inbox.Entry{}, err
	}
	n, ok := parseID(id)
	if !ok {
		return inbox.Entry{}, inbox.ErrNotFound
	}
	out, err := ib.d.entriesOf(func(m *mem) []uint64 {
		if m.ents[n] == nil {
			return nil
		}
		return []uint64{n}
	})
	switch {
	case err != nil:
		return inbox.Entry{}, err
	case len(out) == 0:
		return inbox.Entry{}, inbox.ErrNotFound
	}
	return out[0], nil
}

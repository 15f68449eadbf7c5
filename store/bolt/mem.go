package boltstore

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// mem is the inbox's indexes: which entries Lease may take, in what
// order, which run, which wait behind their resource's head. The file
// holds the facts (each entry, its attempts, backoff, lease and death, the
// acknowledged keys); everything here is derived from them, rebuilt when
// the DB opens (load) and kept in step by the operations, which change it
// in the transaction that writes the facts. One process holds the file
// (bolt's lock), so no other writer can make it stale.
//
// Keeping the indexes out of the file is what makes an entry cheap: its
// life writes three buckets (its record, its state when leased, its key
// when acknowledged) instead of twelve, and a commit's pages with them.
// See Layout in the package documentation.
//
// The committer changes it while it holds DB.mu, as the calls of a
// commit run (not while the commit writes and syncs); readers (Stats,
// Dead, Get, Lease's look before it writes) take DB.mu too. A commit that
// fails leaves it holding changes the file does not: the committer then
// loads it again from the file (DB.reload).
type mem struct {
	ents map[uint64]*ment
	held map[string]uint64 // an entry's Key → its ID, while the entry is in the inbox

	ready    timedIDs // entries Lease may take now, by ID (acceptance order)
	delayed  timedIDs // entries held back by a backoff, by NotBefore
	leases   timedIDs // leased entries, by the lease's end
	accepted timedIDs // pending and running entries, by acceptance
	dead     map[uint64]struct{}

	queues    map[string][]timedID // each resource's pending and running entries, by (event time, ID)
	resources map[string]resHeads

	bytes int // of the bodies held

	// sweepFrom is the last key of inbox.keys the sweep looked at; nil
	// to start from the first.
	sweepFrom []byte
}

// ment is what the indexes need of an entry: where it belongs (its
// record, without the body) and its state.
type ment struct {
	key, resource       string
	eventTime, accepted time.Time
	coalesce            bool
	size                int // of the body
	st                  state

	// Places in the heaps, plus one (0: in none), so that removing an
	// entry from a heap needs no lookup: slotPlace is its place in the
	// heap of its slot (ready, delayed or leases), acceptedPlace in
	// accepted.
	slotPlace, acceptedPlace int
}

// resHeads is a resource's leased entry and its head in ready or
// delayed, 0 for none: at most one of them is set.
type resHeads struct{ busy, head uint64 }

func newMem() *mem {
	return &mem{
		ents: map[uint64]*ment{}, held: map[string]uint64{},
		ready: slotHeap(), delayed: slotHeap(), leases: slotHeap(), accepted: acceptedHeap(),
		dead: map[uint64]struct{}{}, queues: map[string][]timedID{}, resources: map[string]resHeads{},
	}
}

// load builds the indexes from the file's entries and states, as they
// were when the file was last written. A lease held when the process
// stopped stays leased until its end, as it would have.
func load(tx *bolt.Tx, now time.Time) (*mem, error) {
	m := newMem()
	states := tx.Bucket(bState)
	c := tx.Bucket(bEntries).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return nil, fmt.Errorf("inbox entry key %x: %w", k, errCorrupt)
		}
		id := idOf(k)
		r, err := decodeRecord(v, false)
		if err != nil {
			return nil, fmt.Errorf("inbox entry %d: %w", id, err)
		}
		var s state
		if sv := states.Get(k); sv != nil {
			if s, err = decodeState(sv); err != nil {
				return nil, fmt.Errorf("inbox entry %d state: %w", id, err)
			}
		}
		// Of the slot only a lease is a fact; ready, delayed and waiting
		// follow from the rest. A lease that has run out is not one:
		// Lease would only have freed its entry (promote does not write
		// to the file), and its resource may have gone on without it,
		// with another entry leased since. Its token still stands for
		// Ack, Retry and Bury until the entry is leased again.
		leased, end := s.slot == slotLeased && s.token != "" && !s.dead && s.slotAt.After(now), s.slotAt
		s.slot, s.slotAt = slotNone, time.Time{}
		e := newMent(&r, s)
		m.add(id, e)
		if s.dead {
			continue
		}
		if e.resource != "" { // put in run order below, once all are in
			m.queues[e.resource] = append(m.queues[e.resource], timedID{at: e.eventTime, id: id})
		}
		if leased {
			m.leaseSlot(id, e, end)
			if e.resource != "" {
				m.resources[e.resource] = resHeads{busy: id}
			}
			continue
		}
		if e.resource == "" {
			m.queueUp(id, e, now)
		}
	}
	for resource, q := range m.queues {
		slices.SortFunc(q, compareTimed)
		m.settle(resource, now)
	}
	return m, nil
}

// newMent is what the indexes keep of an entry with record r and state s.
func newMent(r *record, s state) *ment {
	return &ment{
		key: r.key, resource: r.resource, eventTime: r.eventTime, accepted: r.accepted,
		coalesce: r.coalesce, size: len(r.body), st: s,
	}
}

// add counts entry id as held, its Key with it, and files it as dead or
// as pending in acceptance order. A pending entry's turn (its resource's
// queue, ready or delayed) is the caller's to give.
func (m *mem) add(id uint64, e *ment) {
	m.ents[id] = e
	m.bytes += e.size
	if e.key != "" {
		m.held[e.key] = id
	}
	if e.st.dead {
		m.dead[id] = struct{}{}
		return
	}
	m.accepted.add(id, e, e.accepted)
}

// unslot takes the entry out of ready, delayed or leases.
func (m *mem) unslot(id uint64, e *ment) {
	switch e.st.slot {
	case slotReady:
		m.ready.remove(e)
	case slotDelayed:
		m.delayed.remove(e)
	case slotLeased:
		m.leases.remove(e)
	}
	e.st.slot, e.st.slotAt = slotNone, time.Time{}
}

// queueUp makes an unslotted entry a candidate for Lease: ready now, or
// delayed until its NotBefore.
func (m *mem) queueUp(id uint64, e *ment, now time.Time) {
	if e.st.notBefore.After(now) {
		e.st.slot, e.st.slotAt = slotDelayed, e.st.notBefore
		m.delayed.add(id, e, e.st.notBefore)
		return
	}
	e.st.slot, e.st.slotAt = slotReady, time.Time{}
	m.ready.add(id, e, time.Time{})
}

// leaseSlot records an unslotted entry as leased until end.
func (m *mem) leaseSlot(id uint64, e *ment, end time.Time) {
	e.st.slot, e.st.slotAt = slotLeased, end
	m.leases.add(id, e, end)
}

// settle restores a resource's invariant after a change: when none of its
// entries is leased, its first entry in run order, and only that one, is
// in ready or delayed.
func (m *mem) settle(resource string, now time.Time) {
	h := m.resources[resource]
	if h.head != 0 {
		if e := m.ents[h.head]; e != nil && (e.st.slot == slotReady || e.st.slot == slotDelayed) {
			m.unslot(h.head, e)
		}
		h.head = 0
	}
	if q := m.queues[resource]; h.busy == 0 && len(q) > 0 {
		id := q[0].id
		e := m.ents[id]
		m.unslot(id, e)
		m.queueUp(id, e, now)
		h.head = id
	}
	m.putRes(resource, h)
}

func (m *mem) putRes(resource string, h resHeads) {
	if h == (resHeads{}) {
		delete(m.resources, resource)
		return
	}
	m.resources[resource] = h
}

// free records that id no longer holds or heads its resource, and
// settles the resource.
func (m *mem) free(resource string, id uint64, now time.Time) {
	h := m.resources[resource]
	if h.busy == id {
		h.busy = 0
	}
	if h.head == id {
		h.head = 0
	}
	m.putRes(resource, h)
	m.settle(resource, now)
}

// dequeue takes the entry out of its resource's run queue.
func (m *mem) dequeue(id uint64, e *ment) {
	if e.resource == "" {
		return
	}
	q := removeTimed(m.queues[e.resource], timedID{at: e.eventTime, id: id})
	if len(q) == 0 {
		delete(m.queues, e.resource)
		return
	}
	m.queues[e.resource] = q
}

// promote applies what time did since the last Lease: entries whose
// backoff ended become ready, and entries whose lease ran out are pending
// again (their token still stands until someone leases them), so their
// resource is free. Each transition happens once.
func (m *mem) promote(now time.Time) {
	for {
		f, ok := m.delayed.first()
		if !ok || f.at.After(now) {
			break
		}
		e := f.e
		m.delayed.remove(e)
		e.st.slot, e.st.slotAt = slotReady, time.Time{}
		m.ready.add(f.id, e, time.Time{})
	}
	for {
		f, ok := m.leases.first()
		if !ok || f.at.After(now) {
			break
		}
		e := f.e
		m.unslot(f.id, e)
		if e.resource == "" {
			m.queueUp(f.id, e, now)
			continue
		}
		m.free(e.resource, f.id, now)
	}
}

// mayBeReady reports whether Lease could find an entry: one is ready, or
// a backoff or lease has ended since the last Lease.
func (m *mem) mayBeReady(now time.Time) bool {
	if m.ready.len() > 0 {
		return true
	}
	for _, h := range []*timedIDs{&m.delayed, &m.leases} {
		if f, ok := h.first(); ok && !f.at.After(now) {
			return true
		}
	}
	return false
}

// timedID is an entry's ID with the instant an index orders it by (and,
// in a heap, the entry).
type timedID struct {
	at time.Time
	id uint64
	e  *ment
}

func compareTimed(a, b timedID) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// insertTimed adds x to q, kept in (at, ID) order.
func insertTimed(q []timedID, x timedID) []timedID {
	i, _ := slices.BinarySearchFunc(q, x, compareTimed)
	return slices.Insert(q, i, x)
}

// removeTimed takes x out of q, kept in (at, ID) order. The head, which
// is what runs and leaves, goes without moving the rest: a resource with
// a long backlog (an outage's worth) does not copy it on every Ack.
func removeTimed(q []timedID, x timedID) []timedID {
	i, ok := slices.BinarySearchFunc(q, x, compareTimed)
	switch {
	case !ok:
		return q
	case i == 0:
		q[0] = timedID{}
		return q[1:]
	}
	return slices.Delete(q, i, i+1)
}

// timedIDs is a set of entries ordered by (instant, ID): a binary heap,
// each entry keeping its place in it (see ment.slotPlace), so that any can
// be removed in O(log n) without a lookup.
type timedIDs struct {
	items []timedID
	place func(e *ment) *int // where an entry keeps its place in this heap, plus one
}

// slotHeap is a heap of ready, delayed or leased entries: an entry is in
// at most one of them.
func slotHeap() timedIDs { return timedIDs{place: func(e *ment) *int { return &e.slotPlace }} }

// acceptedHeap is the heap of pending and running entries.
func acceptedHeap() timedIDs { return timedIDs{place: func(e *ment) *int { return &e.acceptedPlace }} }

func (h *timedIDs) len() int { return len(h.items) }

// first returns the smallest.
func (h *timedIDs) first() (timedID, bool) {
	if len(h.items) == 0 {
		return timedID{}, false
	}
	return h.items[0], true
}

// add puts entry id, e, in the set at instant at; it must not be in it.
func (h *timedIDs) add(id uint64, e *ment, at time.Time) {
	h.items = append(h.items, timedID{at, id, e})
	*h.place(e) = len(h.items)
	h.up(len(h.items) - 1)
}

// remove takes e out of the set, if it is in it.
func (h *timedIDs) remove(e *ment) {
	p := h.place(e)
	if *p == 0 {
		return
	}
	i, last := *p-1, len(h.items)-1
	if h.items[i].e != e {
		// slotPlace is shared by three heaps: removing an entry from one
		// it is not in would take out another. A crash, and the indexes
		// rebuilt from the file on restart, is better than that.
		panic("boltstore: an inbox entry's place in an index heap holds another entry")
	}
	if i != last {
		h.swap(i, last)
	}
	*p = 0
	h.items[last] = timedID{} // let the entry be collected
	h.items = h.items[:last]
	if i != last && !h.down(i) {
		h.up(i)
	}
}

func (h *timedIDs) less(i, j int) bool { return compareTimed(h.items[i], h.items[j]) < 0 }

func (h *timedIDs) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	*h.place(h.items[i].e), *h.place(h.items[j].e) = i+1, j+1
}

func (h *timedIDs) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

// down moves item i towards the leaves; it reports whether it moved.
func (h *timedIDs) down(i int) bool {
	start, n := i, len(h.items)
	for {
		child := 2*i + 1
		if child >= n {
			break
		}
		if r := child + 1; r < n && h.less(r, child) {
			child = r
		}
		if !h.less(child, i) {
			break
		}
		h.swap(i, child)
		i = child
	}
	return i > start
}

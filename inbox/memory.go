package inbox

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Default bounds of a Memory inbox.
const (
	// DefaultMaxEntries bounds the entries a Memory holds: pending,
	// running and dead together.
	DefaultMaxEntries = 10_000
	// DefaultMaxBytes bounds the bodies a Memory holds, together.
	DefaultMaxBytes = 64 << 20
	// DefaultRetention is how long an acknowledged entry's Key is
	// remembered, so that a copy of its delivery appended after the
	// acknowledgement is not run again. A day outlasts every sender's
	// retries by far.
	DefaultRetention = 24 * time.Hour
)

// Memory is an Inbox in the process's memory, for tests and demos: a
// crash or a restart loses what it holds. It is safe for concurrent use,
// starts no goroutine and needs no Close.
type Memory struct {
	mu    sync.Mutex
	clock func() time.Time
	cfg   memoryConfig

	seq     uint64
	entries map[string]*memEntry   // by ID: pending, running and dead
	byKey   map[string]*memEntry   // held entries by Key
	acked   map[string]time.Time   // acknowledged Keys, until when they are remembered
	ackFIFO []ackRec               // acknowledgements in order, which is expiry order
	res     map[string][]*memEntry // pending and running entries of a resource, in run order
	free    []*memEntry            // pending and running entries without a resource
	bytes   int
}

type ackRec struct {
	key   string
	until time.Time
}

type memEntry struct {
	Entry
	seq      uint64
	token    string    // the current lease's, "" when not leased
	leaseEnd time.Time // when the lease runs out
}

var _ Inbox = (*Memory)(nil)

// MemoryOption configures a Memory.
type MemoryOption func(*memoryConfig)

type memoryConfig struct {
	maxEntries int
	maxBytes   int
	retention  time.Duration
	clock      func() time.Time
}

// WithMaxEntries bounds the entries held; n <= 0 selects
// DefaultMaxEntries.
func WithMaxEntries(n int) MemoryOption { return func(c *memoryConfig) { c.maxEntries = n } }

// WithMaxBytes bounds the bodies held, together; n <= 0 selects
// DefaultMaxBytes.
func WithMaxBytes(n int) MemoryOption { return func(c *memoryConfig) { c.maxBytes = n } }

// WithRetention sets how long an acknowledged Key is remembered; d <= 0
// selects DefaultRetention.
func WithRetention(d time.Duration) MemoryOption { return func(c *memoryConfig) { c.retention = d } }

// WithClock sets the clock of acceptance, leases and backoffs (tests step
// it by hand); nil selects time.Now.
func WithClock(now func() time.Time) MemoryOption { return func(c *memoryConfig) { c.clock = now } }

// NewMemory returns an empty Memory inbox.
func NewMemory(opts ...MemoryOption) *Memory {
	c := memoryConfig{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.maxEntries <= 0 {
		c.maxEntries = DefaultMaxEntries
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxBytes
	}
	if c.retention <= 0 {
		c.retention = DefaultRetention
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	return &Memory{
		clock: c.clock, cfg: c,
		entries: map[string]*memEntry{}, byKey: map[string]*memEntry{},
		acked: map[string]time.Time{}, res: map[string][]*memEntry{},
	}
}

// Retention is how long the inbox remembers the Key of a handled entry: a
// route with this inbox relies on it to recognise copies (see
// middleware.WithInbox).
func (m *Memory) Retention() time.Duration { return m.cfg.retention }

// Append implements Inbox.
func (m *Memory) Append(ctx context.Context, e Entry) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock()
	m.forget(now)
	if held, ok := m.byKey[e.Key]; ok {
		return held.ID, false, nil
	}
	if _, ok := m.acked[e.Key]; ok {
		return "", false, nil
	}
	if len(m.entries) >= m.cfg.maxEntries {
		return "", false, fmt.Errorf("%w: %d entries, the bound", ErrFull, len(m.entries))
	}
	if m.bytes+len(e.Body) > m.cfg.maxBytes {
		return "", false, fmt.Errorf("%w: %d bytes held, the bound is %d", ErrFull, m.bytes, m.cfg.maxBytes)
	}
	m.seq++
	me := &memEntry{Entry: cloneEntry(e), seq: m.seq}
	me.ID = strconv.FormatUint(m.seq, 10)
	me.Accepted = now
	me.Attempts, me.NotBefore = 0, time.Time{}
	if !e.Dead {
		me.LastError = ""
		m.enqueue(me)
	}
	m.entries[me.ID] = me
	if me.Key != "" {
		m.byKey[me.Key] = me
	}
	m.bytes += len(me.Body)
	return me.ID, true, nil
}

// enqueue puts me among the pending entries, in run order.
func (m *Memory) enqueue(me *memEntry) {
	if me.Resource == "" {
		m.free = append(m.free, me)
		return
	}
	q := append(m.res[me.Resource], me)
	slices.SortStableFunc(q, runOrder)
	m.res[me.Resource] = q
}

// runOrder orders the entries of a resource: event time, then acceptance.
func runOrder(a, b *memEntry) int {
	if c := a.EventTime.Compare(b.EventTime); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

func (m *Memory) leased(me *memEntry, now time.Time) bool {
	return me.token != "" && now.Before(me.leaseEnd)
}

// Lease implements Inbox.
func (m *Memory) Lease(ctx context.Context, lease time.Duration) (Lease, error) {
	if err := ctx.Err(); err != nil {
		return Lease{}, err
	}
	if lease <= 0 {
		return Lease{}, ErrInvalidDuration
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock()
	var best *memEntry
	consider := func(me *memEntry) {
		if me.NotBefore.After(now) || m.leased(me, now) {
			return
		}
		if best == nil || me.seq < best.seq {
			best = me
		}
	}
	for _, me := range m.free {
		consider(me)
	}
	for _, q := range m.res {
		busy := false
		for _, me := range q {
			if m.leased(me, now) {
				busy = true
				break
			}
		}
		if !busy && len(q) > 0 {
			consider(q[0])
		}
	}
	if best == nil {
		return Lease{}, ErrEmpty
	}
	var superseded []Entry
	if best.Resource != "" && best.Coalesce {
		q := slices.Clone(m.res[best.Resource]) // remove changes the queue
		newest := q[len(q)-1]
		for _, old := range q[:len(q)-1] {
			superseded = append(superseded, cloneEntry(old.Entry))
			m.remove(old)
			m.remember(old.Key, now)
		}
		best = newest
	}
	m.seq++
	best.token = "t" + strconv.FormatUint(m.seq, 10)
	best.leaseEnd = now.Add(lease)
	best.Attempts++
	return Lease{Entry: cloneEntry(best.Entry), Token: best.token, Superseded: superseded}, nil
}

// held returns l's entry while l holds it.
func (m *Memory) held(l Lease) (*memEntry, error) {
	me, ok := m.entries[l.Entry.ID]
	if !ok || me.Dead || me.token == "" || me.token != l.Token {
		return nil, ErrLeaseLost
	}
	return me, nil
}

// Renew implements Inbox.
func (m *Memory) Renew(ctx context.Context, l Lease, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if lease <= 0 {
		return ErrInvalidDuration
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	me, err := m.held(l)
	if err != nil {
		return err
	}
	now := m.clock()
	if !now.Before(me.leaseEnd) {
		return ErrLeaseLost // ran out: its resource may have moved on
	}
	me.leaseEnd = now.Add(lease)
	return nil
}

// Ack implements Inbox.
func (m *Memory) Ack(ctx context.Context, l Lease) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	me, err := m.held(l)
	if err != nil {
		return err
	}
	m.remove(me)
	m.remember(me.Key, m.clock())
	return nil
}

// Retry implements Inbox.
func (m *Memory) Retry(ctx context.Context, l Lease, notBefore time.Time, cause string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	me, err := m.held(l)
	if err != nil {
		return err
	}
	me.token, me.NotBefore, me.LastError = "", notBefore, cause
	return nil
}

// Bury implements Inbox.
func (m *Memory) Bury(ctx context.Context, l Lease, cause string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	me, err := m.held(l)
	if err != nil {
		return err
	}
	m.unqueue(me)
	me.token, me.Dead, me.LastError = "", true, cause
	return nil
}

// Stats implements Inbox.
func (m *Memory) Stats(ctx context.Context) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock()
	var s Stats
	for _, me := range m.entries {
		switch {
		case me.Dead:
			s.Dead++
			continue
		case m.leased(me, now):
			s.Running++
		default:
			s.Pending++
		}
		if s.OldestPending.IsZero() || me.Accepted.Before(s.OldestPending) {
			s.OldestPending = me.Accepted
		}
	}
	return s, nil
}

// Dead implements Inbox.
func (m *Memory) Dead(ctx context.Context, limit int) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var dead []*memEntry
	for _, me := range m.entries {
		if me.Dead {
			dead = append(dead, me)
		}
	}
	slices.SortFunc(dead, func(a, b *memEntry) int { return cmp.Compare(a.seq, b.seq) })
	if limit > 0 && len(dead) > limit {
		dead = dead[:limit]
	}
	out := make([]Entry, len(dead))
	for i, me := range dead {
		out[i] = cloneEntry(me.Entry)
	}
	return out, nil
}

// Get implements Inbox.
func (m *Memory) Get(ctx context.Context, id string) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	me, ok := m.entries[id]
	if !ok {
		return Entry{}, ErrNotFound
	}
	return cloneEntry(me.Entry), nil
}

// Revive implements Inbox.
func (m *Memory) Revive(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	me, ok := m.entries[id]
	if !ok || !me.Dead {
		return ErrNotFound
	}
	me.Dead, me.NotBefore = false, time.Time{}
	m.enqueue(me)
	return nil
}

// Drop implements Inbox.
func (m *Memory) Drop(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	me, ok := m.entries[id]
	if !ok || !me.Dead {
		return ErrNotFound
	}
	m.remove(me)
	return nil
}

// remove forgets me entirely.
func (m *Memory) remove(me *memEntry) {
	m.unqueue(me)
	delete(m.entries, me.ID)
	if m.byKey[me.Key] == me {
		delete(m.byKey, me.Key)
	}
	m.bytes -= len(me.Body)
}

// unqueue takes me off its run queue.
func (m *Memory) unqueue(me *memEntry) {
	if me.Resource == "" {
		m.free = slices.DeleteFunc(m.free, func(x *memEntry) bool { return x == me })
		return
	}
	q := slices.DeleteFunc(m.res[me.Resource], func(x *memEntry) bool { return x == me })
	if len(q) == 0 {
		delete(m.res, me.Resource)
	} else {
		m.res[me.Resource] = q
	}
}

// remember keeps an acknowledged (or superseded) Key for the retention.
func (m *Memory) remember(key string, now time.Time) {
	if key == "" {
		return
	}
	until := now.Add(m.cfg.retention)
	m.acked[key] = until
	m.ackFIFO = append(m.ackFIFO, ackRec{key, until})
}

// forget drops acknowledged Keys past their retention. Every Key is kept
// for the same retention, so acknowledgement order is expiry order.
func (m *Memory) forget(now time.Time) {
	n := 0
	for _, a := range m.ackFIFO {
		if now.Before(a.until) {
			break
		}
		if m.acked[a.key].Equal(a.until) { // not acknowledged again since
			delete(m.acked, a.key)
		}
		n++
	}
	m.ackFIFO = m.ackFIFO[n:]
}

func cloneEntry(e Entry) Entry {
	e.Body = slices.Clone(e.Body)
	if e.Meta != nil {
		meta := make(map[string]string, len(e.Meta))
		for k, v := range e.Meta {
			meta[k] = v
		}
		e.Meta = meta
	}
	return e
}

package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// handler runs fn and keeps the reports of its entries' runs.
type handler struct {
	fn      func(ctx context.Context, e inbox.Entry) error
	mu      sync.Mutex
	reports []inbox.Report
}

func (h *handler) Run(ctx context.Context, e inbox.Entry) error { return h.fn(ctx, e) }

func (h *handler) Report(_ context.Context, r inbox.Report) {
	h.mu.Lock()
	h.reports = append(h.reports, r)
	h.mu.Unlock()
}

// waitReport waits, in real time, for the n-th report and returns it.
func (h *handler) waitReport(t *testing.T, n int) inbox.Report {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.mu.Lock()
		if len(h.reports) >= n {
			r := h.reports[n-1]
			h.mu.Unlock()
			return r
		}
		h.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("report %d not seen within 5 s", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// setup is a memory inbox on c, a runner for it with h on route "r", and
// a function that starts the runner and returns the one that stops it.
func setup(t *testing.T, c *middlewaretest.Clock, h inbox.Handler, opts ...inbox.RunnerOption) (*inbox.Memory, *inbox.Runner, func() func() error) {
	t.Helper()
	ib := inbox.NewMemory(inbox.WithClock(c.Now))
	r, err := inbox.NewRunner(ib, append([]inbox.RunnerOption{inbox.WithRunnerClock(c.Now), inbox.WithPoll(time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if h != nil {
		if err := r.Handle("r", h); err != nil {
			t.Fatal(err)
		}
	}
	start := func() func() error {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		var once sync.Once
		var err error
		stop := func() error {
			once.Do(func() { cancel(); err = <-done })
			return err
		}
		t.Cleanup(func() { _ = stop() })
		return stop
	}
	return ib, r, start
}

func appendEntry(t *testing.T, ib inbox.Inbox, key, resource string, at time.Time) string {
	t.Helper()
	id, added, err := ib.Append(context.Background(), inbox.Entry{Key: key, Route: "r", Resource: resource, EventTime: at, Body: []byte(key)})
	if err != nil || !added {
		t.Fatalf("Append(%s) = %v, %v", key, added, err)
	}
	return id
}

func stats(t *testing.T, ib inbox.Inbox) inbox.Stats {
	t.Helper()
	s, err := ib.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A Permanent error makes the entry a dead letter on its first failure,
// with the error as its reason.
func TestRunnerPermanentBuries(t *testing.T) {
	c := middlewaretest.NewClock(t0)
	h := &handler{fn: func(context.Context, inbox.Entry) error {
		return inbox.Permanent(errors.New("order 42 does not exist"))
	}}
	ib, _, start := setup(t, c, h)
	id := appendEntry(t, ib, "k", "", t0)
	start()
	if r := h.waitReport(t, 1); r.Outcome != inbox.Buried || r.Entry.ID != id || !strings.Contains(r.Err.Error(), "order 42") {
		t.Fatalf("report %+v, want buried with the handler's error", r)
	}
	dead, err := ib.Dead(context.Background(), 10)
	if err != nil || len(dead) != 1 || dead[0].LastError != "order 42 does not exist" || dead[0].Attempts != 1 {
		t.Fatalf("dead letters %+v, %v", dead, err)
	}
}

// A failure is retried after a backoff between the bounds; RetryAfter
// pushes the next run out to what it says.
func TestRunnerBackoffAndRetryAfter(t *testing.T) {
	c := middlewaretest.NewClock(t0)
	var calls int
	h := &handler{fn: func(context.Context, inbox.Entry) error {
		calls++
		if calls == 1 {
			return errors.New("upstream 502")
		}
		return inbox.RetryAfter(errors.New("upstream 429"), 10*time.Minute)
	}}
	ib, _, start := setup(t, c, h, inbox.WithBackoff(2*time.Second, time.Minute))
	appendEntry(t, ib, "k", "", t0)
	start()
	r := h.waitReport(t, 1)
	if d := r.NotBefore.Sub(t0); r.Outcome != inbox.Retried || d < time.Second || d > 2*time.Second {
		t.Fatalf("first failure: %s, next run in %s; want retrying in 1-2 s (jittered min backoff)", r.Outcome, d)
	}
	c.Add(3 * time.Second)
	r = h.waitReport(t, 2)
	if d := r.NotBefore.Sub(c.Now()); r.Outcome != inbox.Retried || d != 10*time.Minute {
		t.Fatalf("Retry-After: %s, next run in %s; want retrying in 10m, past the 1m max backoff", r.Outcome, d)
	}
	c.Add(9 * time.Minute) // not yet
	time.Sleep(20 * time.Millisecond)
	if s := stats(t, ib); s.Pending != 1 || calls != 2 {
		t.Fatalf("before Retry-After: %+v after %d calls", s, calls)
	}
}

// An entry that keeps failing is retried until its next run would fall
// past the max age; then it is a dead letter that says why.
func TestRunnerMaxAge(t *testing.T) {
	c := middlewaretest.NewClock(t0)
	h := &handler{fn: func(context.Context, inbox.Entry) error { return errors.New("down") }}
	ib, _, start := setup(t, c, h, inbox.WithBackoff(time.Minute, time.Minute), inbox.WithMaxAge(time.Hour))
	appendEntry(t, ib, "k", "", t0)
	start()
	for n := 1; ; n++ {
		r := h.waitReport(t, n)
		if r.Outcome == inbox.Buried {
			if !strings.Contains(r.Err.Error(), "gave up after") || c.Now().Sub(t0) > time.Hour {
				t.Fatalf("buried at %s: %v", c.Now().Sub(t0), r.Err)
			}
			break
		}
		if r.Outcome != inbox.Retried || n > 200 {
			t.Fatalf("run %d: %+v", n, r)
		}
		c.Add(time.Minute)
	}
	if s := stats(t, ib); s.Dead != 1 || s.Pending != 0 {
		t.Fatalf("stats %+v, want one dead letter", s)
	}
}

// Run's context done: the runner takes nothing more, lets a running
// handler finish within the grace period, and returns the entries of
// those that do not, pending for the next runner.
func TestRunnerShutdown(t *testing.T) {
	t.Run("grace lets the handler finish", func(t *testing.T) {
		c := middlewaretest.NewClock(t0)
		started := make(chan struct{})
		h := &handler{fn: func(context.Context, inbox.Entry) error {
			close(started)
			time.Sleep(50 * time.Millisecond) // ignores its context
			return nil
		}}
		ib, _, start := setup(t, c, h, inbox.WithGrace(5*time.Second))
		appendEntry(t, ib, "k", "", t0)
		stop := start()
		<-started
		if err := stop(); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
		if r := h.waitReport(t, 1); r.Outcome != inbox.Acked {
			t.Fatalf("report %+v, want processed", r)
		}
		if s := stats(t, ib); s != (inbox.Stats{}) {
			t.Fatalf("stats %+v, want empty", s)
		}
	})
	t.Run("past the grace the entry is returned", func(t *testing.T) {
		c := middlewaretest.NewClock(t0)
		started := make(chan struct{})
		h := &handler{fn: func(ctx context.Context, _ inbox.Entry) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}}
		ib, _, start := setup(t, c, h, inbox.WithGrace(10*time.Millisecond))
		id := appendEntry(t, ib, "k", "", t0)
		stop := start()
		<-started
		_ = stop()
		if r := h.waitReport(t, 1); r.Outcome != inbox.Returned {
			t.Fatalf("report %+v, want returned", r)
		}
		e, err := ib.Get(context.Background(), id)
		if s := stats(t, ib); err != nil || s.Pending != 1 || s.Running != 0 || !strings.Contains(e.LastError, "returned at shutdown") {
			t.Fatalf("after shutdown: %+v, entry %+v, %v; want it pending", s, e, err)
		}
	})
}

// leaseLosing is an inbox whose renewals fail with ErrLeaseLost: another
// holder took the entry over.
type leaseLosing struct{ inbox.Inbox }

func (leaseLosing) Renew(context.Context, inbox.Lease, time.Duration) error {
	return inbox.ErrLeaseLost
}

// A lost lease cancels the handler with cause ErrLeaseLost, and the
// runner records nothing: the entry is the new holder's.
func TestRunnerLeaseLost(t *testing.T) {
	c := middlewaretest.NewClock(t0)
	mem := inbox.NewMemory(inbox.WithClock(c.Now))
	cause := make(chan error, 1)
	h := &handler{fn: func(ctx context.Context, _ inbox.Entry) error {
		<-ctx.Done()
		cause <- context.Cause(ctx)
		return nil // even a success is not recorded: the lease is gone
	}}
	r, err := inbox.NewRunner(leaseLosing{mem}, inbox.WithLease(30*time.Millisecond), inbox.WithPoll(time.Millisecond), inbox.WithRunnerClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Handle("r", h); err != nil {
		t.Fatal(err)
	}
	appendEntry(t, mem, "k", "", t0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := <-cause; !errors.Is(err, inbox.ErrLeaseLost) {
		t.Fatalf("handler's context cause %v, want ErrLeaseLost", err)
	}
	if rep := h.waitReport(t, 1); rep.Outcome != inbox.LeaseLost {
		t.Fatalf("report %+v, want lease_lost", rep)
	}
	if s := stats(t, mem); s.Running != 1 {
		t.Fatalf("stats %+v: the runner must not ack an entry whose lease it lost", s)
	}
}

// A panicking handler is a failed run, retried, with the panic's value in
// the error; the runner goes on.
func TestRunnerPanic(t *testing.T) {
	c := middlewaretest.NewClock(t0)
	h := &handler{fn: func(context.Context, inbox.Entry) error { panic("nil map") }}
	ib, _, start := setup(t, c, h)
	appendEntry(t, ib, "k", "", t0)
	start()
	r := h.waitReport(t, 1)
	var pe *inbox.PanicError
	if r.Outcome != inbox.Retried || !errors.As(r.Err, &pe) || pe.Value != "nil map" || len(pe.Stack) == 0 {
		t.Fatalf("report %+v, want retrying with a PanicError", r)
	}
}

// An entry of a route this runner has no handler for stays pending: a
// replica that has it (or this one after a deploy) runs it.
func TestRunnerUnrouted(t *testing.T) {
	c := middlewaretest.NewClock(t0)
	ib, r, start := setup(t, c, nil)
	id, _, err := ib.Append(context.Background(), inbox.Entry{Key: "k", Route: "elsewhere", Body: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		e, err := ib.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Attempts > 0 && !e.Dead && strings.Contains(e.LastError, `no handler for route "elsewhere"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry %+v", e)
		}
		time.Sleep(time.Millisecond)
	}
	if err := r.Handle("r", nil); err == nil {
		t.Fatal("Handle with a nil handler: no error")
	}
}

// Entries of one resource run one at a time, in event-time order, however
// many workers there are; other resources run alongside.
func TestRunnerOneAtATimePerResource(t *testing.T) {
	c := middlewaretest.NewClock(t0)
	var mu sync.Mutex
	running := map[string]int{}
	var order []string
	var overlap bool
	h := &handler{fn: func(_ context.Context, e inbox.Entry) error {
		mu.Lock()
		running[e.Resource]++
		overlap = overlap || running[e.Resource] > 1
		if e.Resource == "check-1" {
			order = append(order, e.Key)
		}
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		running[e.Resource]--
		mu.Unlock()
		return nil
	}}
	ib, _, start := setup(t, c, h, inbox.WithConcurrency(4))
	var want []string
	for i := range 6 { // appended newest first
		key := fmt.Sprintf("k%d", 5-i)
		appendEntry(t, ib, key, "check-1", t0.Add(time.Duration(5-i)*time.Second))
		appendEntry(t, ib, "other-"+key, "check-2", t0)
		want = append([]string{key}, want...)
	}
	start()
	h.waitReport(t, 12)
	mu.Lock()
	defer mu.Unlock()
	if overlap || !slices.Equal(order, want) {
		t.Fatalf("overlap %v, order %v; want none and %v", overlap, order, want)
	}
}

func TestNewRunnerRejects(t *testing.T) {
	ib := inbox.NewMemory()
	for _, c := range []struct {
		name string
		ib   inbox.Inbox
		opt  inbox.RunnerOption
		want string
	}{
		{"nil inbox", nil, nil, "the inbox is nil"},
		{"concurrency", ib, inbox.WithConcurrency(0), "WithConcurrency"},
		{"backoff", ib, inbox.WithBackoff(time.Minute, time.Second), "WithBackoff"},
		{"max age", ib, inbox.WithMaxAge(0), "WithMaxAge"},
		{"lease", ib, inbox.WithLease(-time.Second), "WithLease"},
		{"poll", ib, inbox.WithPoll(0), "WithPoll"},
		{"grace", ib, inbox.WithGrace(-1), "WithGrace"},
		{"clock", ib, inbox.WithRunnerClock(nil), "WithRunnerClock"},
		{"stats", ib, inbox.WithStats(0, func(inbox.Stats) {}), "WithStats"},
	} {
		if _, err := inbox.NewRunner(c.ib, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s", c.name, err, c.want)
		}
	}
}

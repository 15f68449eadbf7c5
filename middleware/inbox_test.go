package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// inboxRoute is a Checkly route with an inbox over real HTTP, its runner
// running until the test ends, on a clock the test steps.
type inboxRoute struct {
	srv    *httptest.Server
	clock  *middlewaretest.Clock
	ib     *inbox.Memory
	obs    *recorder
	runner *inbox.Runner
}

func newInboxRoute(t *testing.T, fn middleware.HandlerFunc[checkly.Alert], ropts []inbox.RunnerOption, opts ...middleware.Option) *inboxRoute {
	t.Helper()
	r := &inboxRoute{clock: middlewaretest.NewClock(t0), obs: &recorder{}}
	r.ib = inbox.NewMemory(inbox.WithClock(r.clock.Now))
	var err error
	r.runner, err = inbox.NewRunner(r.ib, append([]inbox.RunnerOption{inbox.WithRunnerClock(r.clock.Now),
		inbox.WithPoll(time.Millisecond), inbox.WithBackoff(time.Second, 30*time.Second)}, ropts...)...)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := verify.Checkly(verify.Secrets(secret))
	opts = append([]middleware.Option{middleware.WithInbox(r.runner), middleware.WithName("checkly"),
		middleware.WithClock(r.clock.Now), middleware.WithStore(store.NewMemory(store.WithClock(r.clock.Now))),
		middleware.WithObserver(r.obs.observe)}, opts...)
	rt, err := middleware.NewRoute(v, fn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(rt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.runner.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; r.srv.Close() })
	return r
}

func (r *inboxRoute) send(t *testing.T, body []byte) (int, string, http.Header) {
	t.Helper()
	resp, err := r.srv.Client().Do(signed(t, r.srv.URL, body, r.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get(middleware.OutcomeHeader), resp.Header
}

// until polls f, in real time, for at most five seconds.
func until(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within 5 s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestInboxAcceptsThenRetries: the sender is answered accepted once the
// inbox has the delivery; the handler fails twice and succeeds on its third
// run, each with the attempt number and the same idempotency key; copies of
// the delivery are duplicates.
func TestInboxAcceptsThenRetries(t *testing.T) {
	var mu sync.Mutex
	var attempts []int
	var keys []string
	r := newInboxRoute(t, func(_ context.Context, e middleware.Event[checkly.Alert]) error {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, e.Attempt)
		keys = append(keys, e.IdempotencyKey)
		if len(attempts) < 3 {
			return errors.New("pager down")
		}
		return nil
	}, []inbox.RunnerOption{inbox.WithLease(time.Hour)}) // the test steps the clock by minutes

	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"c1","check_result_id":"r1","started_at":"` + t0.Format(time.RFC3339) + `"}`)
	if status, outcome, _ := r.send(t, body); status != 200 || outcome != "accepted" {
		t.Fatalf("%d %s, want 200 accepted", status, outcome)
	}
	if _, outcome, _ := r.send(t, body); outcome != "duplicate" {
		t.Fatalf("a copy: %s, want duplicate", outcome)
	}
	for range 3 { // let each backoff pass on the inbox's clock
		until(t, "a run", func() bool { mu.Lock(); defer mu.Unlock(); return len(attempts) > 0 })
		r.clock.Add(time.Minute)
		time.Sleep(5 * time.Millisecond)
	}
	until(t, "the third run", func() bool { mu.Lock(); defer mu.Unlock(); return len(attempts) == 3 })
	until(t, "the entry acknowledged", func() bool { s, _ := r.ib.Stats(context.Background()); return s == (inbox.Stats{}) })
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(attempts, []int{1, 2, 3}) || keys[0] == "" || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Fatalf("attempts %v, keys %v: want 1, 2, 3 under one key", attempts, keys)
	}
	// The observer heard the request (attempt 0) and each run by number.
	var heard []string
	r.obs.mu.Lock()
	for _, rep := range r.obs.reports {
		heard = append(heard, fmt.Sprintf("%s/%d", rep.Outcome, rep.Attempt))
	}
	r.obs.mu.Unlock()
	slices.Sort(heard) // the first run may be heard before the request that accepted it
	if want := []string{"accepted/0", "duplicate/0", "processed/3", "retrying/1", "retrying/2"}; !slices.Equal(heard, want) {
		t.Errorf("observer heard %q, want %q", heard, want)
	}
}

// TestInboxOutlastsAnOutage: the handler's downstream is down for three
// minutes of a simulated clock, longer than Checkly's retry window (five
// retries 20 s apart). Every alert of those minutes, for three checks
// flapping FAILURE and RECOVERY every 20 s, is accepted at once and handled
// exactly once after the outage, each check's alerts in their event order.
func TestInboxOutlastsAnOutage(t *testing.T) {
	var mu sync.Mutex
	handled := map[string][]time.Time{} // check → started_at of each success
	succeeded := map[string]int{}       // idempotency key → successes
	var r *inboxRoute
	r = newInboxRoute(t, func(_ context.Context, e middleware.Event[checkly.Alert]) error {
		if r.clock.Now().Before(t0.Add(3 * time.Minute)) {
			return errors.New("downstream unreachable")
		}
		mu.Lock()
		defer mu.Unlock()
		handled[e.Payload.CheckID] = append(handled[e.Payload.CheckID], e.Payload.StartedAt)
		succeeded[e.IdempotencyKey]++
		return nil
	}, []inbox.RunnerOption{inbox.WithConcurrency(4)}, middleware.WithOrdering(0))

	sent := 0
	for step := range 9 { // t0 .. t0+160 s
		r.clock.Set(t0.Add(time.Duration(step) * 20 * time.Second))
		for c := range 3 {
			typ := []string{"ALERT_FAILURE", "ALERT_RECOVERY"}[(step+c)%2]
			body := fmt.Appendf(nil, `{"alert_type":%q,"check_id":"check-%d","check_result_id":"r-%d-%d","started_at":%q}`,
				typ, c, step, c, r.clock.Now().Add(-time.Second).Format(time.RFC3339))
			if status, outcome, _ := r.send(t, body); status != 200 || outcome != "accepted" {
				t.Fatalf("step %d check %d: %d %s, want 200 accepted", step, c, status, outcome)
			}
			sent++
		}
		time.Sleep(2 * time.Millisecond) // let the runner fail a round
	}
	// The outage ends; the clock moves on in steps the backoff can see.
	for r.clock.Now().Before(t0.Add(10 * time.Minute)) {
		r.clock.Add(5 * time.Second)
		time.Sleep(time.Millisecond)
		s, _ := r.ib.Stats(context.Background())
		if s.Pending+s.Running == 0 {
			break
		}
	}
	until(t, "every entry handled", func() bool { s, _ := r.ib.Stats(context.Background()); return s == (inbox.Stats{}) })
	mu.Lock()
	defer mu.Unlock()
	if len(succeeded) != sent {
		t.Fatalf("%d deliveries handled, %d sent", len(succeeded), sent)
	}
	for key, n := range succeeded {
		if n != 1 {
			t.Errorf("delivery %s handled %d times", key, n)
		}
	}
	for check, times := range handled {
		if !slices.IsSortedFunc(times, func(a, b time.Time) int { return a.Compare(b) }) || len(times) != 9 {
			t.Errorf("%s handled %d alerts in order %v", check, len(times), times)
		}
	}
}

// TestInboxKeepsTheUndecodable: with an inbox, an authentic body that does
// not decode, and an incomplete one on a strict route, are kept as dead
// letters (200) instead of being refused and lost.
func TestInboxKeepsTheUndecodable(t *testing.T) {
	r := newInboxRoute(t, func(context.Context, middleware.Event[checkly.Alert]) error { return nil }, nil,
		middleware.WithStrictPayload())
	for _, tc := range []struct{ body, why string }{
		{`{"alert_type":`, "decoding"},
		{`{"check_id":"c1","check_result_id":"r1","started_at":"` + t0.Format(time.RFC3339) + `"}`, "no event type"},
	} {
		if status, outcome, _ := r.send(t, []byte(tc.body)); status != 200 || outcome != "dead_letter" {
			t.Fatalf("%s: %d %s, want 200 dead_letter", tc.why, status, outcome)
		}
	}
	dead, err := r.ib.Dead(context.Background(), 10)
	if err != nil || len(dead) != 2 || !strings.Contains(dead[0].LastError, "decoding") || !strings.Contains(dead[1].LastError, "ALERT_TYPE") {
		t.Fatalf("dead letters %+v, %v", dead, err)
	}
}

// TestInboxFull: a full inbox answers 503 with Retry-After and stores
// nothing; the claim is released, so the sender's retry, once there is
// room, is accepted.
func TestInboxFull(t *testing.T) {
	small := inbox.NewMemory(inbox.WithMaxEntries(1))
	runner, _ := inbox.NewRunner(small) // not run: entries stay
	v, _ := verify.Checkly(verify.Secrets(secret))
	rt, err := middleware.NewRoute(v, func(context.Context, middleware.Event[checkly.Alert]) error { return nil },
		middleware.WithInbox(runner), middleware.WithName("small"), middleware.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	defer srv.Close()
	send := func(check string) (int, string, string) {
		body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"` + check + `","check_result_id":"` + check + `","started_at":"` + t0.Format(time.RFC3339) + `"}`)
		resp, err := srv.Client().Do(signed(t, srv.URL, body, t0))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get(middleware.OutcomeHeader), resp.Header.Get("Retry-After")
	}
	if status, outcome, _ := send("a"); status != 200 || outcome != "accepted" {
		t.Fatalf("first: %d %s", status, outcome)
	}
	if status, outcome, retry := send("b"); status != 503 || outcome != "inbox_full" || retry == "" {
		t.Fatalf("into a full inbox: %d %s Retry-After %q, want 503 inbox_full with Retry-After", status, outcome, retry)
	}
	l, err := small.Lease(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := small.Ack(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	if status, outcome, _ := send("b"); status != 200 || outcome != "accepted" {
		t.Fatalf("the retry with room: %d %s, want accepted (the claim was released)", status, outcome)
	}
}

// TestInboxConstruction: a route registers its handler with the runner under
// its name; a second route of the same name is refused.
func TestInboxConstruction(t *testing.T) {
	runner, _ := inbox.NewRunner(inbox.NewMemory())
	v, _ := verify.Checkly(verify.Secrets(secret))
	noop := func(context.Context, middleware.Event[checkly.Alert]) error { return nil }
	if _, err := middleware.NewRoute(v, noop, middleware.WithInbox(runner)); err == nil || !strings.Contains(err.Error(), "WithName") {
		t.Errorf("an inbox route without a name: %v", err)
	}
	if _, err := middleware.NewRoute(v, noop, middleware.WithInbox(runner), middleware.WithName("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := middleware.NewRoute(v, noop, middleware.WithInbox(runner), middleware.WithName("a")); err == nil {
		t.Error("two routes of one name on one runner")
	}
	if _, err := middleware.NewRoute(v, noop, middleware.WithCoalescing()); err == nil {
		t.Error("coalescing without an inbox")
	}
	if _, err := middleware.NewRoute(v, noop, middleware.WithInbox(runner), middleware.WithName("b"), middleware.WithCoalescing()); err == nil {
		t.Error("coalescing without ordering")
	}
	if _, err := middleware.NewGuard(v, middleware.WithInbox(runner)); err == nil {
		t.Error("a Guard with an inbox")
	}
	// The inbox is the route's dedupe: it must remember handled deliveries
	// for the whole window, or a late copy would run again.
	forgetful, _ := inbox.NewRunner(inbox.NewMemory(inbox.WithRetention(time.Minute)))
	if _, err := middleware.NewRoute(v, noop, middleware.WithInbox(forgetful), middleware.WithName("c")); err == nil ||
		!strings.Contains(err.Error(), "retention") {
		t.Errorf("an inbox that forgets after a minute: %v", err)
	}
}

// A copy of a delivery is a duplicate whether the first is still pending,
// running or already handled: the inbox recognises its key, and the store
// holds no claim for it.
func TestInboxDedupesWithoutClaims(t *testing.T) {
	release := make(chan struct{})
	var runs atomic.Int32
	r := newInboxRoute(t, func(context.Context, middleware.Event[checkly.Alert]) error {
		runs.Add(1)
		<-release
		return nil
	}, nil)
	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"c1","check_result_id":"r1","started_at":"` + t0.Format(time.RFC3339) + `"}`)
	if _, outcome, _ := r.send(t, body); outcome != "accepted" {
		t.Fatalf("first copy: %s", outcome)
	}
	until(t, "the run", func() bool { return runs.Load() == 1 })
	if _, outcome, _ := r.send(t, body); outcome != "duplicate" {
		t.Fatalf("a copy while it runs: %s, want duplicate", outcome)
	}
	close(release)
	until(t, "the entry acknowledged", func() bool { s, _ := r.ib.Stats(context.Background()); return s == (inbox.Stats{}) })
	if _, outcome, _ := r.send(t, body); outcome != "duplicate" {
		t.Fatalf("a copy after it ran: %s, want duplicate", outcome)
	}
	if runs.Load() != 1 {
		t.Fatalf("ran %d times", runs.Load())
	}
}

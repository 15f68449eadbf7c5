package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// alert is a minimal Checkly-shaped payload implementing event.Payload, so
// these tests exercise the pipeline independently of the event packages.
type alert struct {
	AlertType string    `json:"alert_type"`
	CheckID   string    `json:"check_id"`
	StartedAt time.Time `json:"started_at"`
}

func (a *alert) EventType() string     { return a.AlertType }
func (a *alert) ResourceKey() string   { return a.CheckID }
func (a *alert) OccurredAt() time.Time { return a.StartedAt }

const secret = "middleware-test-secret"

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// newClock is the settable clock a route and its store share.
func newClock(t time.Time) *middlewaretest.Clock { return middlewaretest.NewClock(t) }

func alertBody(typ, check string, started time.Time) []byte {
	return []byte(fmt.Sprintf(`{"alert_type":%q,"check_id":%q,"started_at":%q}`, typ, check, started.Format(time.RFC3339)))
}

// signed builds a Checkly delivery as Checkly sends it.
func signed(t testing.TB, url string, body []byte, sentAt time.Time) *http.Request {
	t.Helper()
	h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: sentAt}, secret)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	return req
}

type recorder struct {
	mu      sync.Mutex
	reports []middleware.Report
}

func (r *recorder) observe(_ context.Context, rep middleware.Report) {
	r.mu.Lock()
	r.reports = append(r.reports, rep)
	r.mu.Unlock()
}

func (r *recorder) last(t *testing.T) middleware.Report {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reports) == 0 {
		t.Fatal("observer was not called")
	}
	return r.reports[len(r.reports)-1]
}

// fixture is a receiver over real HTTP on loopback.
type fixture struct {
	srv   *httptest.Server
	clock *middlewaretest.Clock
	obs   *recorder
	store *middlewaretest.FailingStore
	calls atomic.Int32
	seen  []string // event types the handler saw, in order
	mu    sync.Mutex
}

func newFixture(t *testing.T, fn middleware.HandlerFunc[alert], opts ...middleware.Option) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(t0), obs: &recorder{}}
	f.store = middlewaretest.NewFailingStore(store.NewMemory(store.WithClock(f.clock.Now)), false)
	v, err := verify.Checkly(verify.Secrets(secret))
	if err != nil {
		t.Fatal(err)
	}
	wrapped := func(ctx context.Context, e middleware.Event[alert]) error {
		f.calls.Add(1)
		f.mu.Lock()
		f.seen = append(f.seen, e.Type)
		f.mu.Unlock()
		if fn == nil {
			return nil
		}
		return fn(ctx, e)
	}
	opts = append([]middleware.Option{middleware.WithStore(f.store), middleware.WithObserver(f.obs.observe), middleware.WithClock(f.clock.Now)}, opts...)
	h, err := middleware.NewRoute(v, wrapped, opts...)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) send(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func expect(t *testing.T, resp *http.Response, body string, want middleware.Outcome) {
	t.Helper()
	if resp.StatusCode != want.Status() {
		t.Errorf("status = %d, want %d (%s)", resp.StatusCode, want.Status(), want)
	}
	if got := resp.Header.Get("Hookseal-Outcome"); got != string(want) {
		t.Errorf("Hookseal-Outcome = %q, want %q", got, want)
	}
	if wantBody := `{"outcome":"` + string(want) + `"}` + "\n"; body != wantBody {
		t.Errorf("body = %q, want %q", body, wantBody)
	}
}

func TestOutcomeStatusTable(t *testing.T) {
	want := map[middleware.Outcome]int{
		middleware.Processed: 200, middleware.Unhandled: 200, middleware.Incomplete: 200, middleware.Duplicate: 200,
		middleware.Stale: 200, middleware.OutOfOrder: 200, middleware.InFlight: 409, middleware.ClaimLost: 200,
		middleware.Unauthenticated: 401, middleware.TooLarge: 413, middleware.BadRequest: 400,
		middleware.BadPayload: 400, middleware.MethodNotAllowed: 405, middleware.HandlerError: 500,
		middleware.StoreUnavailable: 503, middleware.Forwarded: 200,
		middleware.Accepted: 200, middleware.InboxFull: 503, middleware.DeadLettered: 200,
		middleware.Retrying: 200, middleware.Superseded: 200, middleware.NotFound: 404,
	}
	all := middleware.AllOutcomes()
	if len(want) != len(all) {
		t.Fatalf("table covers %d outcomes, AllOutcomes lists %d", len(want), len(all))
	}
	for _, o := range all {
		if o.Status() != want[o] {
			t.Errorf("%s: status %d, want %d", o, o.Status(), want[o])
		}
	}
	// The list is the caller's: changing it changes nothing for the next.
	all[0] = "mutated"
	if middleware.AllOutcomes()[0] != middleware.Processed {
		t.Fatal("AllOutcomes shares its slice")
	}
}

func TestProcessed(t *testing.T) {
	var got middleware.Event[alert]
	f := newFixture(t, func(_ context.Context, e middleware.Event[alert]) error {
		got = e
		got.Body = bytes.Clone(e.Body)
		return nil
	})
	body := alertBody("ALERT_FAILURE", "check-1", t0.Add(-2*time.Second))
	resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.Processed)
	if got.Type != "ALERT_FAILURE" || got.Payload.CheckID != "check-1" || !bytes.Equal(got.Body, body) {
		t.Fatalf("event = %+v", got)
	}
	if got.Delivery.Provider != "checkly" || got.Delivery.SecretID != "s1" || got.Delivery.Key.IsZero() {
		t.Fatalf("delivery = %+v", got.Delivery)
	}
	rep := f.obs.last(t)
	if rep.Outcome != middleware.Processed || rep.Provider != "checkly" || rep.EventType != "ALERT_FAILURE" ||
		rep.Resource != "check-1" || rep.SecretID != "s1" || rep.Delivery != got.Delivery.Key.String() || rep.Duration <= 0 {
		t.Fatalf("report = %+v", rep)
	}
}

func TestDuplicate(t *testing.T) {
	f := newFixture(t, nil)
	body := alertBody("ALERT_FAILURE", "check-1", t0)
	resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.Processed)
	// Checkly's retry carries a later timestamp header; the body is the same.
	f.clock.Set(t0.Add(20 * time.Second))
	resp, rb = f.send(t, signed(t, f.srv.URL, body, t0.Add(20*time.Second)))
	expect(t, resp, rb, middleware.Duplicate)
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
	// After the window (raised to the oldest signed time accepted plus
	// skew: 1 h 1 min) the key is forgotten and the delivery is new again.
	f.clock.Set(t0.Add(middleware.DefaultMaxStampAge + verify.DefaultMaxSkew + time.Minute))
	resp, rb = f.send(t, signed(t, f.srv.URL, body, f.clock.Now()))
	expect(t, resp, rb, middleware.Processed)
}

func TestStale(t *testing.T) {
	f := newFixture(t, nil)
	f.clock.Set(t0.Add(10 * time.Minute))
	resp, rb := f.send(t, signed(t, f.srv.URL, alertBody("ALERT_FAILURE", "c", t0), t0))
	expect(t, resp, rb, middleware.Stale)
	if f.calls.Load() != 0 {
		t.Fatal("stale delivery reached the handler")
	}
	rep := f.obs.last(t)
	if !errors.Is(rep.Err, verify.ErrTooOld) || rep.SecretID != "s1" {
		t.Fatalf("report = %+v", rep)
	}
	// Too far ahead is stale too.
	resp, rb = f.send(t, signed(t, f.srv.URL, alertBody("ALERT_FAILURE", "c", t0), t0.Add(time.Hour)))
	expect(t, resp, rb, middleware.Stale)
	if !errors.Is(f.obs.last(t).Err, verify.ErrTooNew) {
		t.Fatal(f.obs.last(t).Err)
	}
}

func TestUnauthenticated(t *testing.T) {
	f := newFixture(t, nil)
	body := alertBody("ALERT_FAILURE", "c", t0)
	cases := map[string]func(*http.Request){
		"missing":    func(r *http.Request) { r.Header.Del("X-Checkly-Signature") },
		"malformed":  func(r *http.Request) { r.Header.Set("X-Checkly-Signature", "not-hex") },
		"wrong":      func(r *http.Request) { r.Header.Set("X-Checkly-Signature", strings.Repeat("ab", 32)) },
		"duplicated": func(r *http.Request) { r.Header.Add("X-Checkly-Signature", r.Header.Get("X-Checkly-Signature")) },
		"oversized":  func(r *http.Request) { r.Header.Set("X-Checkly-Signature", strings.Repeat("a", 64<<10)) },
		"tampered body": func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(string(body), "FAILURE", "RECOVERY", 1)))
			r.ContentLength = -1
		},
		"timestamp gone":    func(r *http.Request) { r.Header.Del("X-Checkly-Timestamp") },
		"timestamp garbage": func(r *http.Request) { r.Header.Set("X-Checkly-Timestamp", "soon") },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			req := signed(t, f.srv.URL, body, t0)
			mutate(req)
			resp, rb := f.send(t, req)
			expect(t, resp, rb, middleware.Unauthenticated)
			if strings.Contains(rb, secret) {
				t.Fatal("response leaks the secret")
			}
		})
	}
	if f.calls.Load() != 0 {
		t.Fatal("unauthenticated delivery reached the handler")
	}
}

func TestTooLarge(t *testing.T) {
	f := newFixture(t, nil, middleware.WithMaxBodyBytes(1024))
	ok := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"c","pad":"` + strings.Repeat("x", 1024-52-2) + `"}`)
	if len(ok) != 1024 {
		t.Fatalf("fixture body is %d bytes", len(ok))
	}
	resp, rb := f.send(t, signed(t, f.srv.URL, ok, t0))
	expect(t, resp, rb, middleware.Processed)

	over := append(bytes.Clone(ok[:len(ok)-2]), `x"}`...)
	resp, rb = f.send(t, signed(t, f.srv.URL, over, t0))
	expect(t, resp, rb, middleware.TooLarge)

	// Chunked, no Content-Length: cut off while reading.
	req := signed(t, f.srv.URL, over, t0)
	req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(over[:500]), bytes.NewReader(over[500:])))
	req.ContentLength = -1
	resp, rb = f.send(t, req)
	expect(t, resp, rb, middleware.TooLarge)
	if f.obs.last(t).Provider != "" {
		t.Fatal("size must be judged before authentication")
	}

	// Unsigned and over the limit: 413, not 401 — the limit comes first.
	req, _ = http.NewRequest(http.MethodPost, f.srv.URL, bytes.NewReader(bytes.Repeat([]byte("a"), 4096)))
	resp, rb = f.send(t, req)
	expect(t, resp, rb, middleware.TooLarge)
	if f.calls.Load() != 1 {
		t.Fatalf("handler calls = %d", f.calls.Load())
	}
}

func TestBadPayload(t *testing.T) {
	f := newFixture(t, nil)
	for name, body := range map[string]string{
		"not json":       `alert!`,
		"wrong type":     `{"alert_type":42}`,
		"duplicate keys": `{"alert_type":"ALERT_FAILURE","alert_type":"ALERT_RECOVERY"}`,
		"invalid utf-8":  "{\"alert_type\":\"\xff\"}",
		"truncated":      `{"alert_type":"ALERT_FAIL`,
		"deeply nested":  strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000),
	} {
		t.Run(name, func(t *testing.T) {
			resp, rb := f.send(t, signed(t, f.srv.URL, []byte(body), t0))
			expect(t, resp, rb, middleware.BadPayload)
			if strings.Contains(rb, "alert") {
				t.Fatal("response echoes the body")
			}
		})
	}
	if f.calls.Load() != 0 {
		t.Fatal("undecodable delivery reached the handler")
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t, nil)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		req := signed(t, f.srv.URL, alertBody("ALERT_FAILURE", "c", t0), t0)
		req.Method = m
		resp, rb := f.send(t, req)
		expect(t, resp, rb, middleware.MethodNotAllowed)
		if resp.Header.Get("Allow") != "POST" {
			t.Errorf("%s: Allow = %q", m, resp.Header.Get("Allow"))
		}
	}
	if f.calls.Load() != 0 {
		t.Fatal("wrong method reached the handler")
	}
}

func TestHandlerErrorThenRetryProcessedOnce(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	var processed atomic.Int32
	f := newFixture(t, func(context.Context, middleware.Event[alert]) error {
		if fail.Load() {
			return errors.New("database is down")
		}
		processed.Add(1)
		return nil
	})
	body := alertBody("ALERT_FAILURE", "c", t0)
	resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.HandlerError)
	if strings.Contains(rb, "database") {
		t.Fatal("response leaks the handler's error")
	}
	if rep := f.obs.last(t); rep.Err == nil || !strings.Contains(rep.Err.Error(), "database is down") {
		t.Fatalf("observer did not get the cause: %+v", rep)
	}
	fail.Store(false)
	for i := 1; i <= 3; i++ { // Checkly's retries, 20 s apart
		f.clock.Set(t0.Add(time.Duration(i) * 20 * time.Second))
		resp, rb = f.send(t, signed(t, f.srv.URL, body, f.clock.Now()))
		want := middleware.Processed
		if i > 1 {
			want = middleware.Duplicate
		}
		expect(t, resp, rb, want)
	}
	if processed.Load() != 1 {
		t.Fatalf("processed %d times, want exactly once", processed.Load())
	}
}

// WithHandlerErrorStatus changes the status of a handler error, and the
// observer's Report says the same status the sender got; the claim is
// released all the same, so the sender's retry is handled.
func TestHandlerErrorStatus(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	f := newFixture(t, func(context.Context, middleware.Event[alert]) error {
		if fail.Load() {
			return errors.New("upstream refused the connection")
		}
		return nil
	}, middleware.WithHandlerErrorStatus(http.StatusServiceUnavailable))
	body := alertBody("ALERT_FAILURE", "c", t0)
	resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
	if resp.StatusCode != 503 || resp.Header.Get("Hookseal-Outcome") != "handler_error" || rb != `{"outcome":"handler_error"}`+"\n" {
		t.Fatalf("handler error: %d %q %q", resp.StatusCode, resp.Header.Get("Hookseal-Outcome"), rb)
	}
	if rep := f.obs.last(t); rep.Status() != 503 || rep.Outcome != middleware.HandlerError {
		t.Fatalf("report: %s %d", rep.Outcome, rep.Status())
	}
	fail.Store(false)
	resp, rb = f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.Processed)
}

func TestHandlerPanicReleasesClaim(t *testing.T) {
	var panicking atomic.Bool
	panicking.Store(true)
	f := newFixture(t, func(context.Context, middleware.Event[alert]) error {
		if panicking.Load() {
			panic("nil map write")
		}
		return nil
	})
	body := alertBody("ALERT_FAILURE", "c", t0)
	resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.HandlerError)
	var pe *middleware.PanicError
	if rep := f.obs.last(t); !errors.As(rep.Err, &pe) || pe.Value != "nil map write" || len(pe.Stack) == 0 {
		t.Fatalf("report = %+v", rep)
	}
	panicking.Store(false)
	resp, rb = f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.Processed)
}

func TestInFlight(t *testing.T) {
	entered := make(chan struct{})
	unblock := make(chan struct{})
	var once sync.Once
	f := newFixture(t, func(context.Context, middleware.Event[alert]) error {
		once.Do(func() { close(entered) })
		<-unblock
		return nil
	}, middleware.WithRetryAfter(15*time.Second))
	body := alertBody("ALERT_FAILURE", "c", t0)

	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
		expect(t, resp, rb, middleware.Processed)
	}()
	<-entered
	resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.InFlight)
	if ra := resp.Header.Get("Retry-After"); ra != "15" {
		t.Errorf("Retry-After = %q, want 15", ra)
	}
	close(unblock)
	<-done
	resp, rb = f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.Duplicate)
}

func TestConcurrentCopiesReachHandlerOnce(t *testing.T) {
	f := newFixture(t, func(context.Context, middleware.Event[alert]) error {
		time.Sleep(5 * time.Millisecond) // widen the race window
		return nil
	})
	body := alertBody("ALERT_FAILURE", "c", t0)
	const copies = 32
	var wg sync.WaitGroup
	outcomes := make(chan string, copies)
	for range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := f.srv.Client().Do(signed(t, f.srv.URL, body, t0))
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			outcomes <- resp.Header.Get("Hookseal-Outcome")
		}()
	}
	wg.Wait()
	close(outcomes)
	counts := map[string]int{}
	for o := range outcomes {
		counts[o]++
	}
	if f.calls.Load() != 1 || counts["processed"] != 1 || counts["processed"]+counts["in_flight"]+counts["duplicate"] != copies {
		t.Fatalf("handler calls = %d, outcomes = %v", f.calls.Load(), counts)
	}
}

// TestChecklyLateFailureAfterRecovery is the scenario from Checkly's docs:
// a check on a 1-minute schedule fails at t=0, the FAILURE delivery fails
// and is retried; the RECOVERY (t=60 s) is processed; the FAILURE retry
// arrives at t=80 s. It must be dropped as out_of_order, leaving the handler
// having seen RECOVERY last.
func TestChecklyLateFailureAfterRecovery(t *testing.T) {
	var failFirst atomic.Bool
	failFirst.Store(true)
	f := newFixture(t, func(_ context.Context, e middleware.Event[alert]) error {
		if e.Type == "ALERT_FAILURE" && failFirst.CompareAndSwap(true, false) {
			return errors.New("receiver briefly down")
		}
		return nil
	}, middleware.WithOrdering(0))
	failure := alertBody("ALERT_FAILURE", "check-1", t0)
	recovery := alertBody("ALERT_RECOVERY", "check-1", t0.Add(60*time.Second))

	// t=0: FAILURE, handler fails, Checkly will retry.
	resp, rb := f.send(t, signed(t, f.srv.URL, failure, t0))
	expect(t, resp, rb, middleware.HandlerError)

	// t=60 s: RECOVERY is processed.
	f.clock.Set(t0.Add(60 * time.Second))
	resp, rb = f.send(t, signed(t, f.srv.URL, recovery, t0.Add(60*time.Second)))
	expect(t, resp, rb, middleware.Processed)

	// t=80 s: the FAILURE retry lands late.
	f.clock.Set(t0.Add(80 * time.Second))
	resp, rb = f.send(t, signed(t, f.srv.URL, failure, t0.Add(80*time.Second)))
	expect(t, resp, rb, middleware.OutOfOrder)
	if rep := f.obs.last(t); rep.Resource != "check-1" || rep.EventType != "ALERT_FAILURE" {
		t.Fatalf("report = %+v", rep)
	}

	// Its later retries are answered without another ordering decision.
	f.clock.Set(t0.Add(100 * time.Second))
	resp, rb = f.send(t, signed(t, f.srv.URL, failure, t0.Add(100*time.Second)))
	expect(t, resp, rb, middleware.Duplicate)

	f.mu.Lock()
	seen := fmt.Sprint(f.seen)
	f.mu.Unlock()
	if want := fmt.Sprint([]string{"ALERT_FAILURE", "ALERT_RECOVERY"}); seen != want {
		t.Fatalf("handler saw %v, want %v (RECOVERY last)", seen, want)
	}

	// Another check is ordered independently.
	resp, rb = f.send(t, signed(t, f.srv.URL, alertBody("ALERT_FAILURE", "check-2", t0), f.clock.Now()))
	expect(t, resp, rb, middleware.Processed)
}

func TestOrderingOffByDefault(t *testing.T) {
	f := newFixture(t, nil)
	resp, rb := f.send(t, signed(t, f.srv.URL, alertBody("ALERT_RECOVERY", "c", t0.Add(time.Minute)), t0))
	expect(t, resp, rb, middleware.Processed)
	resp, rb = f.send(t, signed(t, f.srv.URL, alertBody("ALERT_FAILURE", "c", t0), t0))
	expect(t, resp, rb, middleware.Processed)
}

func TestStoreUnavailable(t *testing.T) {
	f := newFixture(t, nil, middleware.WithOrdering(0))
	f.store.SetDown(true)
	body := alertBody("ALERT_FAILURE", "c", t0)
	resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.StoreUnavailable)
	if !errors.Is(f.obs.last(t).Err, middlewaretest.ErrStoreDown) || f.calls.Load() != 0 {
		t.Fatalf("report = %+v, calls = %d", f.obs.last(t), f.calls.Load())
	}
	// The store comes back; the sender's retry is processed once.
	f.store.SetDown(false)
	resp, rb = f.send(t, signed(t, f.srv.URL, body, t0.Add(20*time.Second)))
	expect(t, resp, rb, middleware.Processed)
	if f.calls.Load() != 1 {
		t.Fatalf("calls = %d", f.calls.Load())
	}
}

func TestStoreFailOpen(t *testing.T) {
	f := newFixture(t, nil, middleware.WithStoreFailOpen(), middleware.WithOrdering(0))
	f.store.SetDown(true)
	body := alertBody("ALERT_FAILURE", "c", t0)
	for range 2 {
		resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
		expect(t, resp, rb, middleware.Processed)
	}
	if f.calls.Load() != 2 {
		t.Fatalf("fail-open: calls = %d, want 2 (no dedupe while the store is down)", f.calls.Load())
	}
	// Authentication still holds while failing open.
	req := signed(t, f.srv.URL, body, t0)
	req.Header.Set("X-Checkly-Signature", strings.Repeat("00", 32))
	resp, rb := f.send(t, req)
	expect(t, resp, rb, middleware.Unauthenticated)
}

func TestRouter(t *testing.T) {
	var failures, recoveries, others atomic.Int32
	router := middleware.NewRouter[alert]().
		On("ALERT_FAILURE", func(context.Context, middleware.Event[alert]) error { failures.Add(1); return nil }).
		On("ALERT_RECOVERY", func(context.Context, middleware.Event[alert]) error { recoveries.Add(1); return nil })
	f := newFixture(t, router.Dispatch)
	send := func(typ string, i int) (*http.Response, string) {
		return f.send(t, signed(t, f.srv.URL, alertBody(typ, "c"+strconv.Itoa(i), t0), t0))
	}
	resp, rb := send("ALERT_FAILURE", 1)
	expect(t, resp, rb, middleware.Processed)
	resp, rb = send("ALERT_RECOVERY", 2)
	expect(t, resp, rb, middleware.Processed)
	resp, rb = send("ALERT_SSL", 3)
	expect(t, resp, rb, middleware.Unhandled)
	// An unhandled delivery is committed: its retry is a duplicate.
	resp, rb = send("ALERT_SSL", 3)
	expect(t, resp, rb, middleware.Duplicate)
	if failures.Load() != 1 || recoveries.Load() != 1 {
		t.Fatalf("failures=%d recoveries=%d", failures.Load(), recoveries.Load())
	}

	router.Default(func(context.Context, middleware.Event[alert]) error { others.Add(1); return nil })
	resp, rb = send("ALERT_DEGRADED", 4)
	expect(t, resp, rb, middleware.Processed)
	if others.Load() != 1 {
		t.Fatal("catch-all not called")
	}
}

func TestConstructionErrors(t *testing.T) {
	v, _ := verify.Checkly(verify.Secrets(secret))
	noop := func(context.Context, middleware.Event[alert]) error { return nil }
	if _, err := middleware.NewRoute[alert](nil, noop); err == nil {
		t.Error("nil verifier accepted")
	}
	if _, err := middleware.NewRoute[alert](v, nil); err == nil {
		t.Error("nil handler accepted")
	}
	if _, err := middleware.NewRoute(v, noop, middleware.WithMaxBodyBytes(0)); err == nil || !strings.Contains(err.Error(), "WithMaxBodyBytes") {
		t.Errorf("zero body limit: %v", err)
	}
	if _, err := middleware.NewRoute(v, noop, middleware.WithDedupeWindow(-time.Second), middleware.WithMethods()); err == nil ||
		!strings.Contains(err.Error(), "WithDedupeWindow") || !strings.Contains(err.Error(), "WithMethods") {
		t.Errorf("every bad option is named: %v", err)
	}
	for name, opt := range map[string]middleware.Option{
		"WithFreshness":        middleware.WithFreshness(verify.Window{}),
		"WithMaxStampAge":      middleware.WithMaxStampAge(0),
		"WithClock":            middleware.WithClock(nil),
		"WithBadPayloadStatus": middleware.WithBadPayloadStatus(42),
		// A handler error must stay retryable: only a 5xx will do.
		"WithHandlerErrorStatus": middleware.WithHandlerErrorStatus(http.StatusOK),
		"WithObserver":           middleware.WithObserver(nil),
		"WithStore":              middleware.WithStore(nil),
	} {
		if _, err := middleware.NewRoute(v, noop, opt); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s with a bad value: %v", name, err)
		}
	}
	// A window shorter than the oldest signed time the route accepts (plus
	// skew) would let a replay through after it: refused when set
	// explicitly, raised when left at its default.
	if _, err := middleware.NewRoute(v, noop, middleware.WithDedupeWindow(10*time.Minute)); err == nil ||
		!strings.Contains(err.Error(), "WithDedupeWindow") || !strings.Contains(err.Error(), "1h1m0s") {
		t.Errorf("a window shorter than the signed age: %v", err)
	}
	if _, err := middleware.NewRoute(v, noop, middleware.WithDedupeWindow(10*time.Minute),
		middleware.WithMaxStampAge(5*time.Minute)); err != nil {
		t.Errorf("a window that covers the signed age: %v", err)
	}
	if _, err := middleware.NewRoute(v, noop, middleware.WithDedupeWindow(time.Second), middleware.WithoutFreshness()); err != nil {
		t.Errorf("without freshness there is no signed age to cover: %v", err)
	}
	type plain struct{ A string }
	if _, err := middleware.NewRoute(v, func(context.Context, middleware.Event[plain]) error { return nil }, middleware.WithOrdering(0)); err == nil ||
		!strings.Contains(err.Error(), "event.Payload") {
		t.Errorf("ordering on a payload without event.Payload: %v", err)
	}
}

func TestUserStructWithoutPayloadInterface(t *testing.T) {
	type mine struct {
		AlertType string // matched case-insensitively, as encoding/json v1 users expect
		CheckID   string `json:"check_id"`
	}
	v, _ := verify.Checkly(verify.Secrets(secret))
	var got middleware.Event[mine]
	h, err := middleware.NewRoute(v, func(_ context.Context, e middleware.Event[mine]) error { got = e; return nil },
		middleware.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Do(signed(t, srv.URL, []byte(`{"alerttype":"ALERT_FAILURE","check_id":"c9"}`), t0))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || got.Payload.AlertType != "ALERT_FAILURE" || got.Payload.CheckID != "c9" || got.Type != "" {
		t.Fatalf("status %d, event %+v", resp.StatusCode, got)
	}
}

func TestSlogObserver(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	f := newFixture(t, nil, middleware.WithObserver(middleware.SlogObserver(logger)))
	body := alertBody("ALERT_FAILURE", "check-7", t0)
	resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.Processed)
	req := signed(t, f.srv.URL, body, t0)
	sig := req.Header.Get("X-Checkly-Signature")
	req.Header.Set("X-Checkly-Signature", strings.Repeat("0", 64))
	resp, rb = f.send(t, req)
	expect(t, resp, rb, middleware.Unauthenticated)

	out := buf.String()
	for _, want := range []string{`"outcome":"processed"`, `"provider":"checkly"`, `"event_type":"ALERT_FAILURE"`,
		`"resource":"check-7"`, `"secret_id":"s1"`, `"level":"WARN"`, `"outcome":"unauthenticated"`, `"status":401`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) || strings.Contains(out, sig) {
		t.Fatalf("log leaks the secret or signature:\n%s", out)
	}
}

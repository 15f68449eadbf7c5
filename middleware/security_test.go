package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// noRenewStore accepts every Renew without extending anything: a store
// that behaves as hookseal's did before leases were renewed.
type noRenewStore struct{ store.Store }

func (noRenewStore) Renew(context.Context, store.Claim, time.Duration) error { return nil }

// slowHandlerRuns sends one delivery whose handler takes three leases, and
// copies of it every half lease while it runs; it returns how many times
// the handler ran and the outcomes of the copies.
func slowHandlerRuns(t *testing.T, st store.Store) (int32, map[string]int) {
	t.Helper()
	runs, outcomes, _ := slowRun(t, st)
	return runs, outcomes
}

func slowRun(t *testing.T, st store.Store) (int32, map[string]int, string) {
	t.Helper()
	const lease = 200 * time.Millisecond
	var runs atomic.Int32
	started := make(chan struct{}, 16)
	v, _ := verify.Checkly(verify.Secrets(secret))
	h, err := middleware.NewRoute(v, func(ctx context.Context, e middleware.Event[alert]) error {
		runs.Add(1)
		started <- struct{}{}
		time.Sleep(3 * lease)
		return nil
	}, middleware.WithStore(st), middleware.WithClaimLease(lease), middleware.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := alertBody("ALERT_FAILURE", "slow", t0)
	send := func() string {
		resp, err := srv.Client().Do(signed(t, srv.URL, body, t0))
		if err != nil {
			t.Error(err)
			return "error"
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.Header.Get(middleware.OutcomeHeader)
	}
	first := make(chan string, 1)
	go func() { first <- send() }()
	<-started
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for range 6 { // every half lease for three leases
		time.Sleep(lease / 2)
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := send()
			mu.Lock()
			outcomes[o]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	firstOutcome := <-first
	outcomes["after: "+send()]++
	return runs.Load(), outcomes, firstOutcome
}

// TestSlowHandlerRunsOnceWhileCopiesArrive: a handler that takes three
// times its claim's lease, with copies arriving every half lease, runs
// exactly once: the lease is renewed while it runs.
func TestSlowHandlerRunsOnceWhileCopiesArrive(t *testing.T) {
	runs, outcomes, first := slowRun(t, store.NewMemory())
	if first != "processed" {
		t.Errorf("the first copy: %s, want processed", first)
	}
	if runs != 1 || outcomes["in_flight"]+outcomes["duplicate"] != 6 || outcomes["after: duplicate"] != 1 {
		t.Fatalf("handler ran %d times; copies: %v", runs, outcomes)
	}
	// The scenario can fail: without renewal the copies take the expired
	// claim and the handler runs again while the first run goes on.
	if runs, outcomes := slowHandlerRuns(t, noRenewStore{store.NewMemory()}); runs < 2 {
		t.Fatalf("without renewal the handler ran %d times (%v); the test would not notice a missing renewal", runs, outcomes)
	}
}

// TestClaimLostCancelsHandler: when the store says the claim is gone, the
// running handler's context is cancelled with store.ErrClaimLost, and the
// delivery is reported as claim_lost, not processed.
func TestClaimLostCancelsHandler(t *testing.T) {
	fs := middlewaretest.NewFailingStore(nil, false)
	cause := make(chan error, 1)
	v, _ := verify.Checkly(verify.Secrets(secret))
	obs := &recorder{}
	h, err := middleware.NewRoute(v, func(ctx context.Context, e middleware.Event[alert]) error {
		fs.SetLosing(true) // from now on the store has lost the claim
		select {
		case <-ctx.Done():
			cause <- context.Cause(ctx)
		case <-time.After(5 * time.Second):
			cause <- errors.New("the handler's context was never cancelled")
		}
		return nil // a handler that finishes its work anyway
	}, middleware.WithStore(fs), middleware.WithClaimLease(90*time.Millisecond),
		middleware.WithObserver(obs.observe), middleware.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Do(signed(t, srv.URL, alertBody("ALERT_FAILURE", "c", t0), t0))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	expect(t, resp, string(b), middleware.ClaimLost)
	if err := <-cause; !errors.Is(err, store.ErrClaimLost) {
		t.Fatalf("handler's context cause = %v, want store.ErrClaimLost", err)
	}
	if rep := obs.last(t); rep.Outcome != middleware.ClaimLost || rep.Err == nil {
		t.Fatalf("report = %+v", rep)
	}
}

// TestReplayWithRewrittenHeader: a captured Checkly delivery whose signed
// body carries STARTED_AT cannot be replayed by rewriting the unsigned
// x-checkly-timestamp: inside the dedupe window it is a duplicate, after
// it the signed time is too old. Without a signed time, what remains
// possible is written down here and in SECURITY.md.
func TestReplayWithRewrittenHeader(t *testing.T) {
	clk := middlewaretest.NewClock(t0)
	v, _ := verify.Checkly(verify.Secrets(secret))
	var runs atomic.Int32
	h, err := middleware.NewRoute(v, func(context.Context, middleware.Event[checkly.Alert]) error { runs.Add(1); return nil },
		middleware.WithStore(store.NewMemory(store.WithClock(clk.Now))), middleware.WithClock(clk.Now), middleware.WithOrdering(0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	send := func(body []byte, header time.Time) string {
		resp, err := srv.Client().Do(signed(t, srv.URL, body, header))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.Header.Get(middleware.OutcomeHeader)
	}

	stamped := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"c1","check_result_id":"r-1","started_at":"` + t0.Add(-30*time.Second).Format(time.RFC3339) + `"}`)
	for _, step := range []struct {
		after time.Duration
		want  string
	}{
		{0, "processed"},
		{30 * time.Minute, "duplicate"}, // inside the window, whatever the header says
		{time.Hour - time.Minute, "duplicate"},
		{2 * time.Hour, "stale"}, // after the window: the signed STARTED_AT is too old
		{24 * time.Hour, "stale"},
	} {
		clk.Set(t0.Add(step.after))
		if got := send(stamped, clk.Now()); got != step.want {
			t.Errorf("replay %v later with a fresh header: %s, want %s", step.after, got, step.want)
		}
	}

	// A template with neither CHECK_RESULT_ID nor STARTED_AT: the
	// unsigned header tells alerts apart, so a replay with a new header is
	// a new alert (incomplete says so), and one with the same header is a
	// duplicate only within the window.
	clk.Set(t0)
	bare := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"c2"}`)
	if got := send(bare, t0); got != "incomplete" {
		t.Errorf("bare template: %s, want incomplete (handled, reported)", got)
	}
	if got := send(bare, t0); got != "duplicate" {
		t.Errorf("bare template, same header: %s, want duplicate", got)
	}
	if got := send(bare, t0.Add(time.Second)); got != "incomplete" {
		t.Errorf("bare template, rewritten header: %s, want incomplete (a replay passes: the documented limit)", got)
	}
	if n := runs.Load(); n != 3 {
		t.Fatalf("handler ran %d times, want 3", n)
	}
}

// TestAbsurdTimestampsAreNeverFresh: times centuries ahead, in an unsigned
// header or a signed one, are too new; the window never computes their
// distance as a Duration, which saturates.
func TestAbsurdTimestampsAreNeverFresh(t *testing.T) {
	obs := &recorder{}
	clock := middleware.WithClock(func() time.Time { return t0 })
	ck, _ := verify.Checkly(verify.Secrets(secret))
	st, _ := verify.Stripe(verify.Secrets(secret))
	noop := func(context.Context, middleware.Event[alert]) error {
		t.Error("an absurd time reached the handler")
		return nil
	}
	mux := http.NewServeMux()
	for path, v := range map[string]verify.Verifier{"/checkly": ck, "/stripe": st} {
		h, err := middleware.NewRoute(v, noop, clock, middleware.WithObserver(obs.observe))
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle(path, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	body := alertBody("ALERT_FAILURE", "c", t0)
	for _, tc := range []struct {
		name, path string
		header     http.Header
		want       error
	}{
		{"checkly year 9999", "/checkly", http.Header{"X-Checkly-Signature": {macHex(body)}, "X-Checkly-Timestamp": {"9999-12-31T23:59:59Z"}}, verify.ErrTooNew},
		{"checkly 19-digit nanoseconds (year 2262)", "/checkly", http.Header{"X-Checkly-Signature": {macHex(body)}, "X-Checkly-Timestamp": {"9223372036854775807"}}, verify.ErrTooNew},
		{"checkly year 1", "/checkly", http.Header{"X-Checkly-Signature": {macHex(body)}, "X-Checkly-Timestamp": {"0001-01-01T00:00:01Z"}}, verify.ErrTooOld},
		{"stripe t=13569465600 (year 2400)", "/stripe", stripeHeader(body, "13569465600"), verify.ErrTooNew},
		{"stripe t=253402300799 (year 9999)", "/stripe", stripeHeader(body, "253402300799"), verify.ErrTooNew},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+tc.path, bytes.NewReader(body))
			req.Header = tc.header
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			expect(t, resp, string(b), middleware.Stale)
			if err := obs.last(t).Err; !errors.Is(err, tc.want) {
				t.Fatalf("cause = %v, want %v", err, tc.want)
			}
		})
	}
}

func macHex(body []byte) string {
	h, _ := verify.GitHubScheme().Sign(body, verify.SignOptions{}, secret)
	return strings.TrimPrefix(h.Get("X-Hub-Signature-256"), "sha256=")
}

func stripeHeader(body []byte, ts string) http.Header {
	mac, _ := verify.StripeScheme().MAC(secret, body, ts, "")
	return http.Header{"Stripe-Signature": {fmt.Sprintf("t=%s,v1=%x", ts, mac)}}
}

// TestRoutesOfOneProviderKeepStateApart: two Datadog accounts (two Basic
// credentials) and two Checkly channels (two secrets) on one store: an
// identical body sent to both routes is handled by both, and one route's
// ordering state never refuses the other's events.
func TestRoutesOfOneProviderKeepStateApart(t *testing.T) {
	shared := store.NewMemory()
	var runs atomic.Int32
	count := func(context.Context, middleware.Event[alert]) error { runs.Add(1); return nil }
	opts := []middleware.Option{middleware.WithStore(shared), middleware.WithOrdering(0), middleware.WithClock(func() time.Time { return t0 })}
	ddA, _ := verify.Basic("datadog", []verify.Credential{{ID: "a", Username: "dd", Password: "account-one-password"}})
	ddB, _ := verify.Basic("datadog", []verify.Credential{{ID: "b", Username: "dd", Password: "account-two-password"}})
	ckA, _ := verify.Checkly(verify.Secrets("channel-one-secret"))
	ckB, _ := verify.Checkly(verify.Secrets("channel-two-secret"))
	mux := http.NewServeMux()
	for path, v := range map[string]verify.Verifier{"/dd-a": ddA, "/dd-b": ddB, "/ck-a": ckA, "/ck-b": ckB} {
		h, err := middleware.NewRoute(v, count, opts...)
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle(path, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	send := func(path string, body []byte, auth func(*http.Request)) string {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		auth(req)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.Header.Get(middleware.OutcomeHeader)
	}
	basic := func(pass string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth("dd", pass) }
	}
	checkly := func(sec string, body []byte) func(*http.Request) {
		return func(r *http.Request) {
			h, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: t0}, sec)
			r.Header = h
		}
	}

	same := alertBody("ALERT_FAILURE", "monitor-1", t0)
	if a, b := send("/dd-a", same, basic("account-one-password")), send("/dd-b", same, basic("account-two-password")); a != "processed" || b != "processed" {
		t.Fatalf("one body to two Datadog accounts: %s, %s; want both processed", a, b)
	}
	// Account A's RECOVERY for monitor-2 must not make account B's older
	// FAILURE for its own monitor-2 out of order.
	recovery := alertBody("ALERT_RECOVERY", "monitor-2", t0)
	failure := alertBody("ALERT_FAILURE", "monitor-2", t0.Add(-time.Minute))
	if a, b := send("/dd-a", recovery, basic("account-one-password")), send("/dd-b", failure, basic("account-two-password")); a != "processed" || b != "processed" {
		t.Fatalf("ordering across Datadog accounts: %s, %s; want both processed", a, b)
	}
	if a, b := send("/ck-a", recovery, checkly("channel-one-secret", recovery)), send("/ck-b", failure, checkly("channel-two-secret", failure)); a != "processed" || b != "processed" {
		t.Fatalf("ordering across Checkly channels: %s, %s; want both processed", a, b)
	}
	// Within one account, state is shared as before.
	if got := send("/dd-a", same, basic("account-one-password")); got != "duplicate" {
		t.Fatalf("a copy on the same account: %s, want duplicate", got)
	}
	if got := send("/dd-a", failure, basic("account-one-password")); got != "out_of_order" {
		t.Fatalf("an older event on the same account: %s, want out_of_order", got)
	}
	if n := runs.Load(); n != 6 {
		t.Fatalf("handler ran %d times, want 6", n)
	}
}

// TestIdleConnectionsHoldLittleMemory: two hundred connections that
// declare a 1 MiB body and send none of it must not make the server
// reserve 1 MiB each. Memory grows with bytes read, not with claims.
func TestIdleConnectionsHoldLittleMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's shadow memory distorts heap figures")
	}
	const conns = 200
	var entered atomic.Int32
	v, _ := verify.Checkly(verify.Secrets(secret))
	h, err := middleware.NewRoute(v, func(context.Context, middleware.Event[alert]) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered.Add(1)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	var open []net.Conn
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	for range conns {
		c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", middleware.DefaultMaxBodyBytes)
	}
	deadline := time.Now().Add(10 * time.Second)
	for entered.Load() < conns && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if entered.Load() < conns {
		t.Fatalf("only %d of %d requests reached the route", entered.Load(), conns)
	}
	time.Sleep(50 * time.Millisecond) // let every handler block in its first read
	grew := int64(heap()) - int64(before)
	perConn := grew / conns
	t.Logf("heap grew %d KiB for %d idle connections: %d bytes each", grew>>10, conns, perConn)
	if perConn > 32<<10 {
		t.Fatalf("each idle connection holds %d bytes of heap; the body buffer must grow with bytes read, not with Content-Length", perConn)
	}
}

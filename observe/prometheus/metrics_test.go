package hooksealprom_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	hooksealprom "github.com/hookseal/hookseal/observe/prometheus"
	"github.com/hookseal/hookseal/verify"
)

const route = "checkly"

// handle succeeds, except for the check ids that ask it to fail or to
// have nothing to do.
func handle(_ context.Context, e middleware.Event[checkly.Alert]) error {
	switch e.Payload.CheckID {
	case "check-err":
		return errors.New("the pager API is down")
	case "check-unhandled":
		return middleware.ErrUnhandled
	}
	return nil
}

// serve mounts a route named route, observed by m, at /hooks/checkly and
// returns its URL.
func serve(tb testing.TB, m *hooksealprom.Metrics, opts ...middleware.Option) string {
	tb.Helper()
	opts = append([]middleware.Option{middleware.WithName(route), middlewaretest.ClockAt(middlewaretest.Now()),
		middleware.WithObserver(m.Observer())}, opts...)
	rt, err := middleware.NewRoute(middlewaretest.NewVerifier(tb), handle, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	tb.Cleanup(srv.Close)
	return srv.URL + middlewaretest.Path
}

// send sends req and checks that it was answered with want.
func send(tb testing.TB, req *http.Request, want middleware.Outcome) {
	tb.Helper()
	a, err := middlewaretest.Do(http.DefaultClient, req)
	if err != nil {
		tb.Fatal(err)
	}
	if got := a.Header.Get(middleware.OutcomeHeader); got != string(want) {
		tb.Fatalf("answered %d %q, want %q", a.Status, got, want)
	}
}

func alert(id string, at time.Time) []byte {
	return middlewaretest.AlertBody(checkly.AlertFailure, id, at)
}

func forged(tb testing.TB, url string, body []byte) *http.Request {
	req := middlewaretest.Sign(tb, url, body, middlewaretest.Now())
	req.Header.Set("X-Checkly-Signature", strings.Repeat("0", 64))
	return req
}

func unsigned(tb testing.TB, url string, body []byte) *http.Request {
	req := middlewaretest.Sign(tb, url, body, middlewaretest.Now())
	req.Header.Del("X-Checkly-Signature")
	return req
}

func newMetrics(tb testing.TB, opts ...hooksealprom.Option) (*prometheus.Registry, *hooksealprom.Metrics) {
	tb.Helper()
	reg := prometheus.NewRegistry()
	m, err := hooksealprom.New(reg, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return reg, m
}

// key renders a hookseal_deliveries_total series as series does.
func key(outcome middleware.Outcome, provider, reason string) string {
	return fmt.Sprintf("outcome=%s,provider=%s,reason=%s,route=%s", outcome, provider, reason, route)
}

// Every delivery sent over HTTP is counted once, under its outcome and
// reason, and timed under its outcome.
func TestDeliveriesCounted(t *testing.T) {
	reg, m := newMetrics(t)
	url := serve(t, m)
	now := middlewaretest.Now()

	for i := range 3 {
		send(t, middlewaretest.Sign(t, url, alert(fmt.Sprint("check-", i), now), now), middleware.Processed)
	}
	for range 2 { // the sender's retries of a processed delivery
		send(t, middlewaretest.Sign(t, url, alert("check-0", now), now.Add(20*time.Second)), middleware.Duplicate)
	}
	for range 4 {
		send(t, forged(t, url, alert("check-forged", now)), middleware.Unauthenticated)
	}
	send(t, unsigned(t, url, alert("check-unsigned", now)), middleware.Unauthenticated)
	send(t, middlewaretest.Sign(t, url, alert("check-late", now), now.Add(-10*time.Minute)), middleware.Stale)
	send(t, middlewaretest.Sign(t, url, alert("check-early", now), now.Add(10*time.Minute)), middleware.Stale)

	fams, _ := scrape(t, reg)
	want := map[string]float64{
		key(middleware.Processed, verify.ProviderCheckly, ""):                        3,
		key(middleware.Duplicate, verify.ProviderCheckly, ""):                        2,
		key(middleware.Unauthenticated, verify.ProviderCheckly, "invalid_signature"): 4,
		key(middleware.Unauthenticated, verify.ProviderCheckly, "missing_signature"): 1,
		key(middleware.Stale, verify.ProviderCheckly, "too_old"):                     1,
		key(middleware.Stale, verify.ProviderCheckly, "too_new"):                     1,
	}
	if d := diff(series(fams, "hookseal_deliveries_total"), want); d != "" {
		t.Errorf("hookseal_deliveries_total:%s", d)
	}
	wantTimed := map[string]float64{
		"outcome=processed,route=" + route:       3,
		"outcome=duplicate,route=" + route:       2,
		"outcome=unauthenticated,route=" + route: 5,
		"outcome=stale,route=" + route:           2,
	}
	if d := diff(series(fams, "hookseal_delivery_duration_seconds"), wantTimed); d != "" {
		t.Errorf("hookseal_delivery_duration_seconds (sample counts):%s", d)
	}
	h := fams["hookseal_delivery_duration_seconds"].GetMetric()[0].GetHistogram()
	var bounds []float64
	for _, b := range h.GetBucket() {
		bounds = append(bounds, b.GetUpperBound())
	}
	if !slices.Equal(bounds, append(hooksealprom.DefaultBuckets(), math.Inf(1))) {
		t.Errorf("buckets %v, want DefaultBuckets %v", bounds, hooksealprom.DefaultBuckets())
	}
}

// WithRoute creates the route's series at zero, and they are the very
// series its deliveries then count: provoking every outcome a sender can
// adds no series.
func TestWithRoutePreinitialises(t *testing.T) {
	reg, m := newMetrics(t, hooksealprom.WithRoute(route, verify.ProviderCheckly))
	fams, _ := scrape(t, reg)
	before := series(fams, "hookseal_deliveries_total")
	if got := nonZero(before); len(got) != 0 {
		t.Fatalf("series not at zero before any delivery: %v", got)
	}
	for _, o := range middleware.AllOutcomes() {
		if _, ok := before[key(o, verify.ProviderCheckly, "")]; !ok {
			if _, ok := before[key(o, "", "")]; !ok {
				t.Errorf("no zero series for outcome %s", o)
			}
		}
	}
	for _, k := range []string{
		key(middleware.Unauthenticated, verify.ProviderCheckly, "invalid_signature"),
		key(middleware.Stale, verify.ProviderCheckly, "too_old"),
		key(middleware.StoreUnavailable, verify.ProviderCheckly, ""),
		key(middleware.TooLarge, "", ""),
	} {
		if _, ok := before[k]; !ok {
			t.Errorf("no zero series %s", k)
		}
	}

	now := middlewaretest.Now()
	fs := middlewaretest.NewFailingStore(nil, false)
	url := serve(t, m, middleware.WithOrdering(0), middleware.WithMaxBodyBytes(512), middleware.WithStore(fs))
	send(t, middlewaretest.Sign(t, url, middlewaretest.AlertBody(checkly.AlertRecovery, "check-1", now), now), middleware.Processed)
	send(t, middlewaretest.Sign(t, url, middlewaretest.AlertBody(checkly.AlertRecovery, "check-1", now), now), middleware.Duplicate)
	send(t, middlewaretest.Sign(t, url, alert("check-1", now.Add(-time.Minute)), now), middleware.OutOfOrder)
	send(t, middlewaretest.Sign(t, url, alert("check-err", now), now), middleware.HandlerError)
	send(t, middlewaretest.Sign(t, url, alert("check-unhandled", now), now), middleware.Unhandled)
	send(t, middlewaretest.Sign(t, url, fmt.Appendf(nil, `{"check_id":"check-2","started_at":%q}`, now.Format(time.RFC3339)), now), middleware.Incomplete)
	send(t, middlewaretest.Sign(t, url, []byte(`{"alert_type": not json`), now), middleware.BadPayload)
	send(t, middlewaretest.Sign(t, url, fmt.Appendf(nil, `{"pad":%q}`, strings.Repeat("x", 600)), now), middleware.TooLarge)
	req := middlewaretest.Sign(t, url, alert("check-3", now), now)
	req.Method = http.MethodPut
	send(t, req, middleware.MethodNotAllowed)
	send(t, forged(t, url, alert("check-3", now)), middleware.Unauthenticated)
	send(t, unsigned(t, url, alert("check-3", now)), middleware.Unauthenticated)
	malformed := middlewaretest.Sign(t, url, alert("check-3", now), now)
	malformed.Header.Set("X-Checkly-Signature", "not hex")
	send(t, malformed, middleware.Unauthenticated)
	notime := middlewaretest.Sign(t, url, alert("check-3", now), now)
	notime.Header.Del("X-Checkly-Timestamp")
	send(t, notime, middleware.Unauthenticated) // Checkly always sends one
	badtime := middlewaretest.Sign(t, url, alert("check-3", now), now)
	badtime.Header.Set("X-Checkly-Timestamp", "yesterday")
	send(t, badtime, middleware.Unauthenticated)
	send(t, middlewaretest.Sign(t, url, alert("check-3", now), now.Add(-time.Hour)), middleware.Stale)
	fs.SetDown(true)
	send(t, middlewaretest.Sign(t, url, alert("check-4", now), now), middleware.StoreUnavailable)
	fs.SetDown(false)

	fams, _ = scrape(t, reg)
	after := series(fams, "hookseal_deliveries_total")
	var extra []string
	for k := range after {
		if _, ok := before[k]; !ok {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		t.Errorf("deliveries added series WithRoute did not create: %q", extra)
	}
	c := verify.ProviderCheckly
	want := map[string]float64{
		key(middleware.Processed, c, ""): 1, key(middleware.Duplicate, c, ""): 1,
		key(middleware.OutOfOrder, c, ""): 1, key(middleware.HandlerError, c, ""): 1,
		key(middleware.Unhandled, c, ""): 1, key(middleware.Incomplete, c, ""): 1,
		key(middleware.BadPayload, c, ""): 1, key(middleware.TooLarge, "", ""): 1,
		key(middleware.MethodNotAllowed, "", ""): 1, key(middleware.StoreUnavailable, c, ""): 1,
		key(middleware.Stale, c, "too_old"):                       1,
		key(middleware.Unauthenticated, c, "invalid_signature"):   1,
		key(middleware.Unauthenticated, c, "missing_signature"):   1,
		key(middleware.Unauthenticated, c, "malformed_signature"): 1,
		key(middleware.Unauthenticated, c, "missing_timestamp"):   1,
		key(middleware.Unauthenticated, c, "malformed_timestamp"): 1,
	}
	if d := diff(nonZero(after), want); d != "" {
		t.Errorf("hookseal_deliveries_total:%s", d)
	}
}

// On a route with an inbox, a delivery is counted accepted when its
// sender is answered, then processed when the runner has run it.
func TestInboxRouteCountedTwice(t *testing.T) {
	reg, m := newMetrics(t)
	ib := inbox.NewMemory()
	runner, err := inbox.NewRunner(ib, inbox.WithPoll(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, m, middleware.WithInbox(runner))
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- runner.Run(ctx) }()
	defer func() { stop(); <-ran }()

	now := middlewaretest.Now()
	send(t, middlewaretest.Sign(t, url, alert("check-1", now), now), middleware.Accepted)
	want := map[string]float64{
		key(middleware.Accepted, verify.ProviderCheckly, ""):  1,
		key(middleware.Processed, verify.ProviderCheckly, ""): 1,
	}
	var d string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		fams, _ := scrape(t, reg)
		if d = diff(series(fams, "hookseal_deliveries_total"), want); d == "" {
			return
		}
	}
	t.Errorf("hookseal_deliveries_total:%s", d)
}

// client_golang panics on a label value that is not UTF-8; a route name
// from a mangled config file is counted with the bad bytes replaced.
func TestInvalidUTF8Route(t *testing.T) {
	reg, m := newMetrics(t)
	m.Observer()(context.Background(), middleware.Report{Result: middleware.Result{Outcome: middleware.Processed}, Route: "bad\xffname"})
	fams, _ := scrape(t, reg)
	want := map[string]float64{"outcome=processed,provider=,reason=,route=bad\uFFFDname": 1}
	if d := diff(series(fams, "hookseal_deliveries_total"), want); d != "" {
		t.Errorf("hookseal_deliveries_total:%s", d)
	}
}

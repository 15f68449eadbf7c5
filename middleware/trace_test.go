package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// spanTracer records the spans a route opens: each with its parent, and
// the Result it ended with.
type spanTracer struct {
	mu    sync.Mutex
	spans []*span
}

type span struct {
	name, parent string
	ended        bool
	res          middleware.Result
}

type spanKey struct{}

func (t *spanTracer) Start(ctx context.Context, name string) (context.Context, func(middleware.Result)) {
	s := &span{name: name}
	if p, ok := ctx.Value(spanKey{}).(*span); ok {
		s.parent = p.name
	}
	t.mu.Lock()
	t.spans = append(t.spans, s)
	t.mu.Unlock()
	return context.WithValue(ctx, spanKey{}, s), func(res middleware.Result) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if s.ended {
			panic("span " + name + " ended twice")
		}
		s.ended, s.res = true, res
	}
}

// tree renders the spans as "name<parent" in the order they opened, and
// fails on one left open.
func (t *spanTracer) tree(tb testing.TB) []string {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, s := range t.spans {
		if !s.ended {
			tb.Errorf("span %s was not ended", s.name)
		}
		out = append(out, s.name+"<"+s.parent)
	}
	t.spans = nil
	return out
}

func TestTracerSpans(t *testing.T) {
	tr := &spanTracer{}
	var handlerSpan string
	f := newFixture(t, func(ctx context.Context, _ middleware.Event[alert]) error {
		handlerSpan = ctx.Value(spanKey{}).(*span).name
		return nil
	}, middleware.WithTracer(tr), middleware.WithOrdering(0), middleware.WithObserver(func(ctx context.Context, _ middleware.Report) {
		if s, _ := ctx.Value(spanKey{}).(*span); s == nil || s.name != middleware.SpanDelivery {
			t.Errorf("observer's context carries span %v, want the delivery's", s)
		}
	}))
	body := alertBody("ALERT_FAILURE", "check-1", t0)
	resp, rb := f.send(t, signed(t, f.srv.URL, body, t0))
	expect(t, resp, rb, middleware.Processed)
	d := "<" + middleware.SpanDelivery
	want := []string{middleware.SpanDelivery + "<", middleware.SpanRead + d, middleware.SpanAuthenticate + d,
		middleware.SpanFreshness + d, middleware.SpanDecode + d, middleware.SpanDedupe + d, middleware.SpanOrder + d,
		middleware.SpanHandle + d, middleware.SpanCommit + d}
	if got := tr.tree(t); !slices.Equal(got, want) {
		t.Fatalf("spans\n%q\nwant\n%q", got, want)
	}
	if handlerSpan != middleware.SpanHandle {
		t.Errorf("the handler ran under span %q, want %s", handlerSpan, middleware.SpanHandle)
	}

	// A forged delivery stops at authentication, whose span ends with the
	// decision.
	req := signed(t, f.srv.URL, body, t0)
	req.Header.Set("X-Checkly-Signature", strings.Repeat("0", 64))
	resp, rb = f.send(t, req)
	expect(t, resp, rb, middleware.Unauthenticated)
	tr.mu.Lock()
	last := tr.spans[len(tr.spans)-1]
	tr.mu.Unlock()
	if last.name != middleware.SpanAuthenticate || last.res.Outcome != middleware.Unauthenticated {
		t.Fatalf("last span %s ended with %q, want authenticate with unauthenticated", last.name, last.res.Outcome)
	}
	if got := tr.tree(t); !slices.Equal(got, want[:3]) { // nothing after authentication
		t.Fatalf("spans of a forged delivery: %q", got)
	}
}

func TestGuardSpans(t *testing.T) {
	tr := &spanTracer{}
	v, err := verify.Checkly(verify.Secrets(secret))
	if err != nil {
		t.Fatal(err)
	}
	g, err := middleware.NewGuard(v, middleware.WithTracer(tr), middleware.WithStore(store.NewMemory()),
		middleware.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	var nextSpan string
	srv := httptest.NewServer(g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nextSpan = r.Context().Value(spanKey{}).(*span).name
		w.WriteHeader(http.StatusNoContent)
	})))
	defer srv.Close()
	resp, err := srv.Client().Do(signed(t, srv.URL, alertBody("ALERT_FAILURE", "check-1", t0), t0))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	d := "<" + middleware.SpanDelivery
	want := []string{middleware.SpanDelivery + "<", middleware.SpanRead + d, middleware.SpanAuthenticate + d,
		middleware.SpanFreshness + d, middleware.SpanDedupe + d, middleware.SpanHandle + d, middleware.SpanCommit + d}
	if got := tr.tree(t); resp.StatusCode != http.StatusNoContent || !slices.Equal(got, want) {
		t.Fatalf("status %d, spans\n%q\nwant\n%q", resp.StatusCode, got, want)
	}
	if nextSpan != middleware.SpanHandle {
		t.Errorf("the next handler ran under span %q, want %s", nextSpan, middleware.SpanHandle)
	}
}

// Reason names the cause of a refusal from a fixed set; the slog observer
// logs it, and with SlogNoiseLevel and SlogSampleNoise keeps scanners'
// requests out of the warnings.
func TestReasonAndNoise(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("decoding: unexpected EOF"), ""},
		{verify.ErrMissingSignature, "missing_signature"},
		{fmt.Errorf("checkly: %w", verify.ErrInvalidSignature), "invalid_signature"},
		{fmt.Errorf("the time signed in the body: %w", verify.ErrTooOld), "too_old"},
		{verify.ErrTooNew, "too_new"},
		{verify.ErrUnauthorized, "unauthorized"},
		{fmt.Errorf("verify: tenant %q: %w", "acme", verify.ErrUnknownTenant), "unknown_tenant"},
		{fmt.Errorf("%w: %w", verify.ErrSecretsUnavailable, errors.New("connection refused")), "secrets_unavailable"},
	} {
		if got := (middleware.Report{Result: middleware.Result{Err: c.err}}).Reason(); got != c.want {
			t.Errorf("Reason of %v = %q, want %q", c.err, got, c.want)
		}
	}

	// Each reason belongs to one outcome, so metrics can declare them.
	seen := map[string]bool{}
	for _, o := range middleware.AllOutcomes() {
		for _, r := range o.Reasons() {
			if seen[r] {
				t.Errorf("reason %s listed twice", r)
			}
			seen[r] = true
		}
	}
	if got := middleware.Stale.Reasons(); !slices.Equal(got, []string{"too_old", "too_new"}) || len(seen) != 10 ||
		len(middleware.Processed.Reasons()) != 0 {
		t.Errorf("stale's reasons %q, %d in all; want too_old and too_new, 10", got, len(seen))
	}

	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFixture(t, nil, middleware.WithObserver(middleware.SlogObserver(logger,
		middleware.SlogNoiseLevel(slog.LevelDebug), middleware.SlogSampleNoise(3))))
	body := alertBody("ALERT_FAILURE", "check-1", t0)
	for range 7 {
		req := signed(t, f.srv.URL, body, t0)
		req.Header.Set("X-Checkly-Signature", strings.Repeat("0", 64))
		resp, rb := f.send(t, req)
		expect(t, resp, rb, middleware.Unauthenticated)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 { // the 1st, 4th and 7th
		t.Fatalf("%d lines for 7 forged deliveries sampled 1 in 3, want 3:\n%s", len(lines), buf.String())
	}
	for _, l := range lines {
		if !strings.Contains(l, `"level":"DEBUG"`) || !strings.Contains(l, `"reason":"invalid_signature"`) {
			t.Errorf("line %s: want DEBUG with reason invalid_signature", l)
		}
	}
	if n := len(f.obs.reports); n != 7 {
		t.Errorf("the other observer saw %d reports, want every one of 7", n)
	}
}

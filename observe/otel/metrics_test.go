package hooksealotel_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	hooksealotel "github.com/hookseal/hookseal/observe/otel"
	"github.com/hookseal/hookseal/verify"
)

func point(outcome middleware.Outcome, provider, reason string) string {
	return fmt.Sprintf("hookseal.outcome=%s,hookseal.provider=%s,hookseal.reason=%s,hookseal.route=%s", outcome, provider, reason, route)
}

// Every delivery sent over HTTP is counted once, under its outcome and
// reason, and timed under its outcome; an inbox route counts the
// acceptance and then the run.
func TestDeliveryMetrics(t *testing.T) {
	f := newFixture(t)
	url := f.serve(t)
	now := middlewaretest.Now()
	for i := range 3 {
		f.send(t, middlewaretest.Sign(t, url, alert(fmt.Sprint("check-", i), now), now), middleware.Processed)
	}
	for range 2 {
		f.send(t, middlewaretest.Sign(t, url, alert("check-0", now), now.Add(20*time.Second)), middleware.Duplicate)
	}
	for range 4 {
		f.send(t, forged(t, url, alert("check-forged", now)), middleware.Unauthenticated)
	}
	unsigned := middlewaretest.Sign(t, url, alert("check-unsigned", now), now)
	unsigned.Header.Del("X-Checkly-Signature")
	f.send(t, unsigned, middleware.Unauthenticated)
	f.send(t, middlewaretest.Sign(t, url, alert("check-late", now), now.Add(-10*time.Minute)), middleware.Stale)
	f.send(t, middlewaretest.Sign(t, url, alert("check-err", now), now), middleware.HandlerError)

	got := f.collect(t)
	c := verify.ProviderCheckly
	if d := diff(got["hookseal.deliveries"], map[string]float64{
		point(middleware.Processed, c, ""): 3, point(middleware.Duplicate, c, ""): 2,
		point(middleware.Unauthenticated, c, "invalid_signature"): 4,
		point(middleware.Unauthenticated, c, "missing_signature"): 1,
		point(middleware.Stale, c, "too_old"):                     1, point(middleware.HandlerError, c, ""): 1,
	}); d != "" {
		t.Errorf("hookseal.deliveries:%s", d)
	}
	r := "hookseal.route=" + route
	if d := diff(got["hookseal.delivery.duration"], map[string]float64{
		"hookseal.outcome=processed," + r: 3, "hookseal.outcome=duplicate," + r: 2,
		"hookseal.outcome=unauthenticated," + r: 5, "hookseal.outcome=stale," + r: 1,
		"hookseal.outcome=handler_error," + r: 1,
	}); d != "" {
		t.Errorf("hookseal.delivery.duration (counts):%s", d)
	}
	var rm metricdata.ResourceMetrics
	if err := f.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if h, ok := m.Data.(metricdata.Histogram[float64]); ok {
			if b := h.DataPoints[0].Bounds; !slices.Equal(b, hooksealotel.DefaultBuckets()) {
				t.Errorf("%s bounds %v, want DefaultBuckets %v", m.Name, b, hooksealotel.DefaultBuckets())
			}
		}
	}
}

func TestInboxRouteMetrics(t *testing.T) {
	f := newFixture(t)
	runner, err := inbox.NewRunner(inbox.NewMemory(), inbox.WithPoll(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	url := f.serve(t, middleware.WithInbox(runner))
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- runner.Run(ctx) }()
	defer func() { stop(); <-ran }()

	now := middlewaretest.Now()
	f.send(t, middlewaretest.Sign(t, url, alert("check-1", now), now), middleware.Accepted)
	want := map[string]float64{
		point(middleware.Accepted, verify.ProviderCheckly, ""):  1,
		point(middleware.Processed, verify.ProviderCheckly, ""): 1,
	}
	var d string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if d = diff(f.collect(t)["hookseal.deliveries"], want); d == "" {
			break
		}
	}
	if d != "" {
		t.Errorf("hookseal.deliveries:%s", d)
	}
	// The run is a span of its own, ended without error.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, s := range f.spans.Ended() {
			if s.Name() == middleware.SpanRun {
				if len(s.Attributes()) != 0 || s.Status().Description != "" {
					t.Errorf("hookseal.run: attributes %v, status %+v; want none", attrs(s.Attributes()), s.Status())
				}
				return
			}
		}
	}
	t.Error("no hookseal.run span ended")
}

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// memory returns a Memory inbox holding two pending entries, one running
// (the first accepted, leased) and one dead letter, accepted 10 s apart
// from t0.
func memory(tb testing.TB) *inbox.Memory {
	tb.Helper()
	now := t0
	ib := inbox.NewMemory(inbox.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	for i, e := range []inbox.Entry{
		{Key: "a", Route: route, Body: []byte("{}")},
		{Key: "dead", Route: route, Body: []byte("{}"), Dead: true, LastError: "undecodable"},
		{Key: "b", Route: route, Body: []byte("{}")},
		{Key: "c", Route: route, Body: []byte("{}")},
	} {
		now = t0.Add(time.Duration(i) * 10 * time.Second)
		if _, _, err := ib.Append(ctx, e); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := ib.Lease(ctx, time.Hour); err != nil {
		tb.Fatal(err)
	}
	return ib
}

type failing struct{ inbox.Inbox }

func (failing) Stats(context.Context) (inbox.Stats, error) {
	return inbox.Stats{}, errors.New("connection refused")
}

type stuck struct {
	inbox.Inbox
	release chan struct{}
	calls   *atomic.Int32
}

func (s stuck) Stats(context.Context) (inbox.Stats, error) {
	s.calls.Add(1)
	<-s.release
	return inbox.Stats{Pending: 99}, nil
}

// The inbox gauges are observed from Stats at each collection; an inbox
// whose Stats fail or hang is observed down and its gauges left out.
func TestInboxGauges(t *testing.T) {
	now := t0.Add(90 * time.Second)
	f := newFixture(t, hooksealotel.WithClock(func() time.Time { return now }),
		hooksealotel.WithStatsTimeout(100*time.Millisecond))
	release, calls := make(chan struct{}), &atomic.Int32{}
	defer close(release)
	for name, ib := range map[string]inbox.Inbox{
		"main": memory(t), "empty": inbox.NewMemory(), "down": failing{inbox.NewMemory()},
		"stuck": stuck{inbox.NewMemory(), release, calls},
	} {
		if err := f.in.WatchInbox(name, ib); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 2 {
		start := time.Now()
		got := f.collect(t)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("collection took %s with a stuck inbox", d)
		}
		if d := diff(got["hookseal.inbox.entries"], map[string]float64{
			"hookseal.inbox.state=pending,hookseal.inbox=main": 2, "hookseal.inbox.state=running,hookseal.inbox=main": 1,
			"hookseal.inbox.state=dead,hookseal.inbox=main": 1, "hookseal.inbox.state=pending,hookseal.inbox=empty": 0,
			"hookseal.inbox.state=running,hookseal.inbox=empty": 0, "hookseal.inbox.state=dead,hookseal.inbox=empty": 0,
		}); d != "" {
			t.Errorf("round %d: hookseal.inbox.entries:%s", round, d)
		}
		if d := diff(got["hookseal.inbox.oldest_pending.age"], map[string]float64{
			"hookseal.inbox=main": 90 + 30*float64(round), "hookseal.inbox=empty": 0,
		}); d != "" {
			t.Errorf("round %d: hookseal.inbox.oldest_pending.age:%s", round, d)
		}
		if d := diff(got["hookseal.inbox.up"], map[string]float64{
			"hookseal.inbox=main": 1, "hookseal.inbox=empty": 1, "hookseal.inbox=down": 0, "hookseal.inbox=stuck": 0,
		}); d != "" {
			t.Errorf("round %d: hookseal.inbox.up:%s", round, d)
		}
		now = now.Add(30 * time.Second)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the stuck inbox's Stats was called %d times, want 1: a call that has not returned is not repeated", n)
	}

	// Once closed, the inboxes are no longer observed.
	if err := f.in.Close(); err != nil {
		t.Fatal(err)
	}
	if got := f.collect(t); len(got["hookseal.inbox.up"]) != 0 {
		t.Errorf("after Close: hookseal.inbox.up %v, want nothing", got["hookseal.inbox.up"])
	}
}

func TestWatchInboxErrors(t *testing.T) {
	f := newFixture(t)
	if err := f.in.WatchInbox("main", inbox.NewMemory()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, inboxName string
		ib              inbox.Inbox
	}{
		{"nok, same name twice", "main", inbox.NewMemory()},
		{"nok, nil inbox", "other", nil},
		{"nok, empty name", "", inbox.NewMemory()},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := f.in.WatchInbox(c.inboxName, c.ib); !errors.Is(err, hooksealotel.ErrInvalidInbox) {
				t.Errorf("err = %v, want ErrInvalidInbox", err)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []hooksealotel.Option
		want error
	}{
		{"nok, nil tracer provider", []hooksealotel.Option{hooksealotel.WithTracerProvider(nil)}, hooksealotel.ErrInvalidOption},
		{"nok, nil meter provider", []hooksealotel.Option{hooksealotel.WithMeterProvider(nil)}, hooksealotel.ErrInvalidOption},
		{"nok, no bucket", []hooksealotel.Option{hooksealotel.WithBuckets()}, hooksealotel.ErrInvalidOption},
		{"nok, buckets out of order", []hooksealotel.Option{hooksealotel.WithBuckets(1, 0.5)}, hooksealotel.ErrInvalidOption},
		{"nok, zero stats timeout", []hooksealotel.Option{hooksealotel.WithStatsTimeout(0)}, hooksealotel.ErrInvalidOption},
		{"nok, nil clock", []hooksealotel.Option{hooksealotel.WithClock(nil)}, hooksealotel.ErrInvalidOption},
		{"ok, noop providers", []hooksealotel.Option{hooksealotel.WithTracerProvider(tracenoop.NewTracerProvider()),
			hooksealotel.WithMeterProvider(noop.NewMeterProvider())}, nil},
		{"ok, global providers", nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, err := hooksealotel.New(c.opts...)
			if !errors.Is(err, c.want) || (err == nil) != (in != nil) {
				t.Errorf("New: %v, %v; want error %v", in, err, c.want)
			}
		})
	}
}

// A route name that is not UTF-8 (a mangled config file) is recorded
// with the bad bytes replaced, not passed on to an exporter that would
// refuse the batch.
func TestInvalidUTF8Route(t *testing.T) {
	f := newFixture(t)
	f.in.Observer()(context.Background(), middleware.Report{Result: middleware.Result{Outcome: middleware.Processed}, Route: "bad\xffname"})
	want := map[string]float64{"hookseal.outcome=processed,hookseal.provider=,hookseal.reason=,hookseal.route=bad\uFFFDname": 1}
	if d := diff(f.collect(t)["hookseal.deliveries"], want); d != "" {
		t.Errorf("hookseal.deliveries:%s", d)
	}
}

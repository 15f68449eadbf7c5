package hooksealotel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	hooksealotel "github.com/hookseal/hookseal/observe/otel"
)

const route = "checkly"

// fixture is an Instrumentation over in-memory SDK providers: a span
// recorder and a manual metric reader.
type fixture struct {
	tp     *sdktrace.TracerProvider
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	in     *hooksealotel.Instrumentation
}

func newFixture(tb testing.TB, opts ...hooksealotel.Option) *fixture {
	tb.Helper()
	f := &fixture{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	f.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(f.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(f.reader))
	tb.Cleanup(func() {
		_ = f.tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	in, err := hooksealotel.New(append([]hooksealotel.Option{hooksealotel.WithTracerProvider(f.tp),
		hooksealotel.WithMeterProvider(mp)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	f.in = in
	return f
}

// handle succeeds, starting a span of its own from its context, except
// for the check ids that ask it to fail.
func (f *fixture) handle(ctx context.Context, e middleware.Event[checkly.Alert]) error {
	_, span := f.tp.Tracer("app").Start(ctx, "app.page")
	defer span.End()
	switch e.Payload.CheckID {
	case "check-err":
		return fmt.Errorf("the pager API refused %s: ERRMARK", e.Payload.CheckName)
	case "check-panic":
		panic("PANICMARK")
	}
	return nil
}

// serve mounts a route named route with the instrumentation's options
// behind a handler that does what otelhttp does: it continues the
// caller's trace from the traceparent header in a server span, which the
// route's delivery span must join.
func (f *fixture) serve(tb testing.TB, opts ...middleware.Option) string {
	tb.Helper()
	opts = append(append(f.in.Options(), middleware.WithName(route), middlewaretest.ClockAt(middlewaretest.Now())), opts...)
	rt, err := middleware.NewRoute(middlewaretest.NewVerifier(tb), f.handle, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	server := f.tp.Tracer("server")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := propagation.TraceContext{}.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := server.Start(ctx, "server", trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		rt.ServeHTTP(w, r.WithContext(ctx))
	}))
	tb.Cleanup(srv.Close)
	return srv.URL + middlewaretest.Path
}

// send sends req in the trace of a client span, checks that it was
// answered with want, and returns the client span's context.
func (f *fixture) send(tb testing.TB, req *http.Request, want middleware.Outcome) trace.SpanContext {
	tb.Helper()
	ctx, span := f.tp.Tracer("client").Start(context.Background(), "client", trace.WithSpanKind(trace.SpanKindClient))
	propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(req.Header))
	a, err := middlewaretest.Do(http.DefaultClient, req.WithContext(ctx))
	span.End()
	if err != nil {
		tb.Fatal(err)
	}
	if got := a.Header.Get(middleware.OutcomeHeader); got != string(want) {
		tb.Fatalf("answered %d %q, want %q", a.Status, got, want)
	}
	return span.SpanContext()
}

// trace returns the spans of the trace tid that have ended, in the order
// they started.
func (f *fixture) trace(tid trace.TraceID) []sdktrace.ReadOnlySpan {
	ended := map[trace.SpanID]bool{}
	for _, s := range f.spans.Ended() {
		ended[s.SpanContext().SpanID()] = true
	}
	var out []sdktrace.ReadOnlySpan
	for _, s := range f.spans.Started() {
		if s.SpanContext().TraceID() == tid && ended[s.SpanContext().SpanID()] {
			out = append(out, s)
		}
	}
	return out
}

func named(spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	for _, s := range spans {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// attrs renders a span's attributes as a map.
func attrs(kvs []attribute.KeyValue) map[string]string {
	out := map[string]string{}
	for _, kv := range kvs {
		out[string(kv.Key)] = kv.Value.String()
	}
	return out
}

// collect reads the metrics: each instrument's points rendered as
// `key=value,...` (keys sorted) mapped to their value, a histogram's to
// its count.
func (f *fixture) collect(tb testing.TB) map[string]map[string]float64 {
	tb.Helper()
	var rm metricdata.ResourceMetrics
	if err := f.reader.Collect(context.Background(), &rm); err != nil {
		tb.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			points := map[string]float64{}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					points[set(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					points[set(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					points[set(p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					points[set(p.Attributes)] = float64(p.Count)
				}
			default:
				tb.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
			out[m.Name] = points
		}
	}
	return out
}

func set(s attribute.Set) string {
	var kvs []string
	for _, kv := range s.ToSlice() {
		kvs = append(kvs, string(kv.Key)+"="+kv.Value.String())
	}
	slices.Sort(kvs)
	return strings.Join(kvs, ",")
}

// diff describes how got differs from want, "" when they are equal.
func diff[V comparable](got, want map[string]V) string {
	var b strings.Builder
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		g, gok := got[k]
		w, wok := want[k]
		switch {
		case !gok:
			fmt.Fprintf(&b, "\n  missing %s (want %v)", k, w)
		case !wok:
			fmt.Fprintf(&b, "\n  extra   %s = %v", k, g)
		case g != w:
			fmt.Fprintf(&b, "\n  %s = %v, want %v", k, g, w)
		}
	}
	return b.String()
}

package hooksealotel_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hookseal/hookseal/middleware"
	hooksealotel "github.com/hookseal/hookseal/observe/otel"
	"github.com/hookseal/hookseal/verify"
)

type alertPayload struct {
	AlertType string `json:"alert_type"`
	CheckID   string `json:"check_id"`
}

// A Checkly route traced and measured through OpenTelemetry. Here the
// providers record in memory; an application passes those it exports
// with (or sets the global ones).
func Example() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	inst, err := hooksealotel.New(hooksealotel.WithTracerProvider(tp), hooksealotel.WithMeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}
	v, err := verify.Checkly(verify.Secrets("checkly-secret"))
	if err != nil {
		log.Fatal(err)
	}
	handle := func(ctx context.Context, e middleware.Event[alertPayload]) error {
		_, span := tp.Tracer("app").Start(ctx, "page on-call") // a child of hookseal.handle
		defer span.End()
		return nil
	}
	route, err := middleware.NewRoute(v, handle, append(inst.Options(), middleware.WithName("checkly"))...)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(route) // in production, behind otelhttp.NewHandler
	defer srv.Close()

	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"api-health"}`)
	for _, secret := range []string{"checkly-secret", "guessed-secret"} {
		header, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: time.Now()}, secret)
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header = header
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
	}

	for _, s := range spans.Started() {
		outcome := ""
		for _, kv := range s.Attributes() {
			if kv.Key == "hookseal.outcome" {
				outcome = " " + kv.Value.AsString()
			}
		}
		fmt.Println(s.Name() + outcome)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "hookseal.deliveries" {
			total := int64(0)
			for _, p := range sum.DataPoints {
				total += p.Value
			}
			fmt.Println(m.Name, total)
		}
	}
	// Output:
	// hookseal.delivery processed
	// hookseal.read
	// hookseal.authenticate
	// hookseal.freshness
	// hookseal.decode
	// hookseal.dedupe
	// hookseal.order
	// hookseal.handle
	// page on-call
	// hookseal.commit processed
	// hookseal.delivery unauthenticated
	// hookseal.read
	// hookseal.authenticate unauthenticated
	// hookseal.deliveries 2
}

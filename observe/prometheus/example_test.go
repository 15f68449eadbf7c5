package hooksealprom_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	hooksealprom "github.com/hookseal/hookseal/observe/prometheus"
	"github.com/hookseal/hookseal/verify"
)

type alertPayload struct {
	AlertType string `json:"alert_type"`
	CheckID   string `json:"check_id"`
}

// A Checkly route counted by hooksealprom, and /metrics served beside it:
// a delivery, its retry, and a forgery.
func Example() {
	reg := prometheus.NewRegistry()
	metrics, err := hooksealprom.New(reg, hooksealprom.WithRoute("checkly", verify.ProviderCheckly))
	if err != nil {
		log.Fatal(err)
	}
	v, err := verify.Checkly(verify.Secrets("checkly-secret"))
	if err != nil {
		log.Fatal(err)
	}
	route, err := middleware.NewRoute(v, func(context.Context, middleware.Event[alertPayload]) error { return nil },
		middleware.WithName("checkly"), middleware.WithObserver(metrics.Observer()))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /hooks/checkly", route)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"api-health"}`)
	for _, secret := range []string{"checkly-secret", "checkly-secret", "guessed-secret"} {
		header, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: time.Now()}, secret)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/checkly", bytes.NewReader(body))
		req.Header = header
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
	}

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() { // the series that counted something, of the 29 WithRoute created
		if line := sc.Text(); strings.HasPrefix(line, "hookseal_deliveries_total{") && !strings.HasSuffix(line, " 0") {
			fmt.Println(line)
		}
	}
	// Output:
	// hookseal_deliveries_total{outcome="duplicate",provider="checkly",reason="",route="checkly"} 1
	// hookseal_deliveries_total{outcome="processed",provider="checkly",reason="",route="checkly"} 1
	// hookseal_deliveries_total{outcome="unauthenticated",provider="checkly",reason="invalid_signature",route="checkly"} 1
}

// An inbox's entries are read when Prometheus scrapes, not pushed.
func ExampleMetrics_WatchInbox() {
	reg := prometheus.NewRegistry()
	metrics, err := hooksealprom.New(reg)
	if err != nil {
		log.Fatal(err)
	}
	ib := inbox.NewMemory()
	if err := metrics.WatchInbox("checkly", ib); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	_, _, _ = ib.Append(ctx, inbox.Entry{Key: "delivery-1", Route: "checkly", Body: []byte(`{}`)})
	_, _, _ = ib.Append(ctx, inbox.Entry{Key: "delivery-2", Route: "checkly", Body: []byte(`{}`), Dead: true, LastError: "undecodable"})

	fams, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "hookseal_inbox_entries" {
			continue
		}
		for _, m := range f.GetMetric() {
			fmt.Println(m.GetLabel()[1].GetValue(), m.GetGauge().GetValue())
		}
	}
	// Output:
	// dead 1
	// pending 1
	// running 0
}

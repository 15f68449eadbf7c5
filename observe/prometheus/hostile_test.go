package hooksealprom_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/verify"
)

// A sender chooses the path, the body and so the delivery key and the
// resource: none of them may become a label value, or a scanner could
// grow the registry without bound. The route is mounted without a name
// under a wildcard pattern, so the route label is the pattern.
func TestLabelsNeverCarrySenderData(t *testing.T) {
	reg, m := newMetrics(t)
	var (
		mu   sync.Mutex
		seen []middleware.Report
	)
	record := func(_ context.Context, r middleware.Report) {
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
	}
	rt, err := middleware.NewRoute(middlewaretest.NewVerifier(t), handle, middlewaretest.ClockAt(middlewaretest.Now()),
		middleware.WithObserver(m.Observer()), middleware.WithObserver(record))
	if err != nil {
		t.Fatal(err)
	}
	const pattern = "/hooks/{source...}"
	mux := http.NewServeMux()
	mux.Handle(pattern, rt)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	now := middlewaretest.Now()
	hostile := []string{
		"/hooks/PATHMARK-plain",
		"/hooks/PATHMARK-dots%2F..%2F..%2Fetc%2Fpasswd",
		"/hooks/PATHMARK-quote%22%7D%20evil%3D%22",
		"/hooks/PATHMARK-newline%0Aevil_total%201",
		"/hooks/PATHMARK-" + strings.Repeat("x", 300),
		"/hooks/PATHMARK-%E2%80%AE%C3%A9",
	}
	for i := range 40 {
		hostile = append(hostile, fmt.Sprintf("/hooks/PATHMARK-%d", i))
	}
	for i, p := range hostile {
		body := alert(fmt.Sprintf("RESMARK-%d", i), now)
		switch i % 3 {
		case 0:
			send(t, middlewaretest.Sign(t, srv.URL+p, body, now), middleware.Processed)
		case 1:
			send(t, forged(t, srv.URL+p, body), middleware.Unauthenticated)
		case 2:
			req := middlewaretest.Sign(t, srv.URL+p, body, now)
			req.Method = http.MethodDelete
			send(t, req, middleware.MethodNotAllowed)
		}
	}

	fams, text := scrape(t, reg)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(hostile) {
		t.Fatalf("observed %d reports, sent %d", len(seen), len(hostile))
	}
	var delivered int
	for _, r := range seen {
		for _, v := range []string{r.Path, r.Delivery, r.Resource, r.EventType} {
			if v != "" && strings.Contains(text, v) {
				t.Errorf("the scrape contains %q, which the sender chose", v)
			}
		}
		if r.Delivery != "" {
			delivered++
		}
	}
	if delivered == 0 {
		t.Fatal("no report carried a delivery key: the test checks nothing")
	}
	for _, marker := range []string{"PATHMARK", "RESMARK", "passwd", "evil"} {
		if strings.Contains(text, marker) {
			t.Errorf("the scrape contains %q", marker)
		}
	}

	// Every label value is from configuration or a fixed set.
	allowed := map[string][]string{
		"route":    {pattern},
		"provider": {verify.ProviderCheckly, ""},
		"reason":   {"", "invalid_signature"},
	}
	for _, o := range middleware.AllOutcomes() {
		allowed["outcome"] = append(allowed["outcome"], string(o))
	}
	for _, name := range []string{"hookseal_deliveries_total", "hookseal_delivery_duration_seconds"} {
		f := fams[name]
		if n := len(f.GetMetric()); n == 0 || n > 3 {
			t.Errorf("%s has %d series after %d distinct paths, want 1 to 3", name, n, len(hostile))
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if !slices.Contains(allowed[l.GetName()], l.GetValue()) {
					t.Errorf("%s: label %s=%q is not one of %q", name, l.GetName(), l.GetValue(), allowed[l.GetName()])
				}
			}
		}
	}
}

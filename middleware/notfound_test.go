package middleware_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hookseal/hookseal/middleware"
)

// A mux's fallback answers 404 not_found and tells every observer, with
// the request's method, path and remote address and no route; a
// SlogObserver samples it as noise while a counting observer sees all.
func TestNotFoundHandler(t *testing.T) {
	var (
		mu      sync.Mutex
		reports []middleware.Report
	)
	count := func(_ context.Context, r middleware.Report) {
		mu.Lock()
		reports = append(reports, r)
		mu.Unlock()
	}
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	mux := http.NewServeMux()
	mux.Handle("/", middleware.NotFoundHandler(count, nil, middleware.SlogObserver(logger, middleware.SlogSampleNoise(2))))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/wp-login.php", "/.env", "/admin", "/x"} {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get(middleware.OutcomeHeader) != "not_found" {
			t.Errorf("%s: %d %q, want 404 not_found", path, resp.StatusCode, resp.Header.Get(middleware.OutcomeHeader))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 4 {
		t.Fatalf("%d reports for 4 requests", len(reports))
	}
	r := reports[0]
	if r.Outcome != middleware.NotFound || r.Status() != 404 || r.Method != "POST" || r.Path != "/wp-login.php" ||
		!strings.HasPrefix(r.RemoteAddr, "127.0.0.1:") || r.Route != "" {
		t.Errorf("report %+v", r)
	}
	if n := strings.Count(logged.String(), `"outcome":"not_found"`); n != 2 {
		t.Errorf("%d of 4 not-found requests logged with SlogSampleNoise(2), want 2:\n%s", n, logged.String())
	}
	if !strings.Contains(logged.String(), `"level":"WARN"`) {
		t.Errorf("noise not logged at the noise level (WARN by default):\n%s", logged.String())
	}
}

// A route's report says which request it was: the route's name, the
// method, the path and the remote address, for every outcome, refused or
// processed.
func TestReportNamesTheRequest(t *testing.T) {
	f := newFixture(t, nil, middleware.WithName("checkly-alerts"))
	body := alertBody("ALERT_FAILURE", "check-1", t0)
	unsigned, err := http.NewRequest(http.MethodPost, f.srv.URL+"/hooks/checkly", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req  *http.Request
		want middleware.Outcome
	}{
		{signed(t, f.srv.URL+"/hooks/checkly?x=1", body, t0), middleware.Processed},
		{unsigned, middleware.Unauthenticated},
	} {
		resp, _ := f.send(t, tc.req)
		expectOutcome := resp.Header.Get(middleware.OutcomeHeader)
		r := f.obs.last(t)
		if expectOutcome != string(tc.want) || r.Outcome != tc.want || r.Route != "checkly-alerts" || r.Method != http.MethodPost ||
			r.Path != "/hooks/checkly" || !strings.HasPrefix(r.RemoteAddr, "127.0.0.1:") {
			t.Errorf("%s: answered %s, report outcome %s route %q method %q path %q remote %q", tc.want, expectOutcome,
				r.Outcome, r.Route, r.Method, r.Path, r.RemoteAddr)
		}
	}
}

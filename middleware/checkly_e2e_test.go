package middleware_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// TestChecklyAlertEndToEnd sends a Checkly delivery shaped by a user's
// template (raw UPPER_CASE variable names, numbers as strings, tags as a
// string) over real HTTP to a Router over checkly.Alert, with ordering on,
// and checks what the handler receives.
func TestChecklyAlertEndToEnd(t *testing.T) {
	clk := newClock(t0)
	v, err := verify.Checkly(verify.Secrets("old-secret", secret))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []middleware.Event[checkly.Alert]
	var bodies [][]byte
	keep := func(_ context.Context, e middleware.Event[checkly.Alert]) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e)
		bodies = append(bodies, bytes.Clone(e.Body))
		return nil
	}
	router := middleware.NewRouter[checkly.Alert]().
		On(string(checkly.AlertFailure), keep).
		On(string(checkly.AlertRecovery), keep)
	h, err := middleware.NewRoute(v, router.Dispatch, middleware.WithOrdering(0), middleware.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	failure := []byte(`{"ALERT_TYPE":"ALERT_FAIL","CHECK_ID":"0d7c7c4e","CHECK_NAME":"Checkout API",` +
		`"RESPONSE_TIME":"1649","TAGS":"api,prod","STARTED_AT":"2026-11-23T07:59:30Z","IS_REMINDER":"false"}`)
	send := func(body []byte) (*http.Response, string) {
		t.Helper()
		resp, err := srv.Client().Do(signed(t, srv.URL, body, clk.Now()))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, rb := send(failure)
	expect(t, resp, rb, middleware.Processed)

	// A degraded alert has no handler: 200, unhandled, never an error.
	clk.Set(t0.Add(time.Minute))
	resp, rb = send([]byte(`{"alert_type":"ALERT_DEGRADED","check_id":"0d7c7c4e","started_at":"2026-11-23T08:00:30Z"}`))
	expect(t, resp, rb, middleware.Unhandled)

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("handler called %d times, want 1", len(got))
	}
	e := got[0]
	a := e.Payload
	if e.Type != string(checkly.AlertFailure) || a.AlertType != checkly.AlertFailure || !a.AlertType.IsFailure() {
		t.Errorf("type %q / %q, want ALERT_FAILURE (ALERT_FAIL is an alias)", e.Type, a.AlertType)
	}
	if a.CheckID != "0d7c7c4e" || a.CheckName != "Checkout API" || a.ResponseTimeMS == nil || *a.ResponseTimeMS != 1649 {
		t.Errorf("payload %+v", a)
	}
	if len(a.Tags) != 2 || a.Tags[0] != "api" || a.Tags[1] != "prod" {
		t.Errorf("tags %q", a.Tags)
	}
	if !a.StartedAt.Equal(time.Date(2026, 11, 23, 7, 59, 30, 0, time.UTC)) {
		t.Errorf("started_at %v", a.StartedAt)
	}
	d := e.Delivery
	if d.Provider != verify.ProviderCheckly || !d.BodySigned || d.SecretID != "s2" || d.Key.IsZero() || d.TimestampSigned {
		t.Errorf("delivery %+v: want checkly, body signed, authenticated by s2, unsigned timestamp, a key", d)
	}
	if !bytes.Equal(bodies[0], failure) {
		t.Errorf("raw body %q differs from what was sent", bodies[0])
	}
}

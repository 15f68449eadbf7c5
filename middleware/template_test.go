package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// checklyServer is a Checkly route over real HTTP, recording the alerts
// its handler sees and every report.
type checklyServer struct {
	srv   *httptest.Server
	clock *middlewaretest.Clock
	obs   *recorder
	log   bytes.Buffer
	mu    sync.Mutex
	seen  []checkly.Alert
}

func newChecklyServer(t *testing.T, fn middleware.HandlerFunc[checkly.Alert], opts ...middleware.Option) *checklyServer {
	t.Helper()
	s := &checklyServer{clock: middlewaretest.NewClock(t0), obs: &recorder{}}
	v, _ := verify.Checkly(verify.Secrets(secret))
	keep := func(ctx context.Context, e middleware.Event[checkly.Alert]) error {
		s.mu.Lock()
		s.seen = append(s.seen, e.Payload)
		s.mu.Unlock()
		if fn != nil {
			return fn(ctx, e)
		}
		return nil
	}
	opts = append([]middleware.Option{
		middleware.WithClock(s.clock.Now), middleware.WithStore(store.NewMemory(store.WithClock(s.clock.Now))),
		middleware.WithObserver(s.obs.observe),
		middleware.WithObserver(middleware.SlogObserver(slog.New(slog.NewJSONHandler(lockedWriter{&s.mu, &s.log}, nil)))),
	}, opts...)
	rt, err := middleware.NewRoute(v, keep, opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(rt)
	t.Cleanup(s.srv.Close)
	return s
}

// send posts body signed at header time sentAt and returns the status and
// outcome.
func (s *checklyServer) send(t *testing.T, body []byte, sentAt time.Time) (int, string) {
	t.Helper()
	resp, err := s.srv.Client().Do(signed(t, s.srv.URL, body, sentAt))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get(middleware.OutcomeHeader)
}

func (s *checklyServer) alerts() []checkly.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]checkly.Alert(nil), s.seen...)
}

// plausible is the template a new user writes: their own key names, the
// variables they care about.
func plausible(typ, check string, started time.Time) []byte {
	return []byte(`{"alert":"Checkout API failed","type":"` + typ + `","check_id":"` + check + `","started":"` + started.Format(time.RFC3339) + `"}`)
}

// TestPlausibleTemplateIsNotShelvedQuietly: a template whose keys hookseal
// does not know decodes without a type. The route says so loudly (outcome
// incomplete, naming ALERT_TYPE, at WARN), never answers 200 unhandled at
// INFO; a router's Default handler still gets the alert.
func TestPlausibleTemplateIsNotShelvedQuietly(t *testing.T) {
	var defaults int
	router := middleware.NewRouter[checkly.Alert]().
		On(string(checkly.AlertFailure), func(context.Context, middleware.Event[checkly.Alert]) error { return nil }).
		Default(func(context.Context, middleware.Event[checkly.Alert]) error { defaults++; return nil })
	s := newChecklyServer(t, router.Dispatch, middleware.WithOrdering(0))
	status, outcome := s.send(t, plausible("ALERT_FAILURE", "c1", t0.Add(-time.Minute)), t0)
	if status != 200 || outcome != "incomplete" {
		t.Fatalf("plausible template: %d %s, want 200 incomplete", status, outcome)
	}
	rep := s.obs.last(t)
	if !errors.Is(rep.Err, middleware.ErrIncomplete) || !strings.Contains(rep.Err.Error(), "ALERT_TYPE") ||
		!strings.Contains(rep.Err.Error(), "STARTED_AT") {
		t.Fatalf("report cause = %v; want it to name ALERT_TYPE and STARTED_AT", rep.Err)
	}
	if defaults != 1 {
		t.Fatalf("the router's Default ran %d times, want 1", defaults)
	}
	s.mu.Lock()
	log := s.log.String()
	s.mu.Unlock()
	if !strings.Contains(log, `"level":"WARN"`) || !strings.Contains(log, `"outcome":"incomplete"`) || !strings.Contains(log, "ALERT_TYPE") {
		t.Fatalf("slog observer did not warn:\n%s", log)
	}
}

// TestTemplateKeysFillTheTypedAlert: told which key carries which
// variable, the route fills checkly.Alert from the user's own keys, and
// ordering and freshness work on them.
func TestTemplateKeysFillTheTypedAlert(t *testing.T) {
	keys := event.KeyMap{"type": "ALERT_TYPE", "started": "{{STARTED_AT}}", "alert": "ALERT_TITLE"}
	s := newChecklyServer(t, nil, middleware.WithOrdering(0), middleware.WithTemplateKeys(keys))
	recovery := plausible("ALERT_RECOVERY", "c1", t0.Add(-30*time.Second))
	failure := plausible("ALERT_FAILURE", "c1", t0.Add(-time.Minute))
	if _, outcome := s.send(t, recovery, t0); outcome != "processed" {
		t.Fatalf("mapped RECOVERY: %s, want processed", outcome)
	}
	if _, outcome := s.send(t, failure, t0); outcome != "out_of_order" {
		t.Fatalf("mapped late FAILURE: %s, want out_of_order", outcome)
	}
	got := s.alerts()
	if len(got) != 1 || got[0].AlertType != checkly.AlertRecovery || got[0].AlertTitle != "Checkout API failed" ||
		!got[0].StartedAt.Equal(t0.Add(-30*time.Second)) || got[0].CheckID != "c1" {
		t.Fatalf("handler saw %+v", got)
	}
	// The mapped STARTED_AT is signed: a replay a day later is stale.
	s.clock.Set(t0.Add(24 * time.Hour))
	if _, outcome := s.send(t, recovery, s.clock.Now()); outcome != "stale" {
		t.Fatalf("replayed mapped delivery: %s, want stale", outcome)
	}

	// A map the payload cannot honour fails at construction.
	v, _ := verify.Checkly(verify.Secrets(secret))
	noop := func(context.Context, middleware.Event[checkly.Alert]) error { return nil }
	for _, bad := range []event.KeyMap{{"type": "ALERT_TYPO"}, {"a": "ALERT_TYPE", "b": "ALERT_TYPE"}, {}, {"/a//b": "CHECK_ID"}} {
		if _, err := middleware.NewRoute(v, noop, middleware.WithTemplateKeys(bad)); !errors.Is(err, event.ErrKeyMap) {
			t.Errorf("WithTemplateKeys(%v): %v, want an event.ErrKeyMap error", bad, err)
		}
	}
	type plain struct{ A string }
	if _, err := middleware.NewRoute(v, func(context.Context, middleware.Event[plain]) error { return nil },
		middleware.WithTemplateKeys(event.KeyMap{"type": "ALERT_TYPE"})); err == nil || !strings.Contains(err.Error(), "event.Mapped") {
		t.Errorf("a payload without variables: %v", err)
	}
}

// TestStrictPayloadRefuses: with WithStrictPayload an incomplete alert is
// answered 422 and never reaches the handler; its claim is released, so a
// retry once the template is fixed is handled.
func TestStrictPayloadRefuses(t *testing.T) {
	s := newChecklyServer(t, nil, middleware.WithStrictPayload())
	status, outcome := s.send(t, plausible("ALERT_FAILURE", "c1", t0), t0)
	if status != http.StatusUnprocessableEntity || outcome != "incomplete" || len(s.alerts()) != 0 {
		t.Fatalf("strict route: %d %s, %d alerts handled; want 422 incomplete and none", status, outcome, len(s.alerts()))
	}
	complete := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"c1","check_result_id":"r1","started_at":"` + t0.Format(time.RFC3339) + `"}`)
	if _, outcome := s.send(t, complete, t0); outcome != "processed" {
		t.Fatalf("a complete alert on a strict route: %s", outcome)
	}
}

// TestFlappingCheckIsNeverMerged: a template with neither CHECK_RESULT_ID
// nor STARTED_AT renders the two FAILUREs of FAILURE, RECOVERY, FAILURE
// byte-identical. Each alert, sent with its own x-checkly-timestamp,
// reaches the handler; every retry of each (same body, same header) is a
// duplicate, whenever it lands.
func TestFlappingCheckIsNeverMerged(t *testing.T) {
	s := newChecklyServer(t, nil)
	failure := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"flappy"}`)
	recovery := []byte(`{"alert_type":"ALERT_RECOVERY","check_id":"flappy"}`)
	f1, r, f2 := t0, t0.Add(time.Minute), t0.Add(2*time.Minute)
	for i, step := range []struct {
		body   []byte
		header time.Time
		now    time.Time
		want   string
	}{
		{failure, f1, f1, "incomplete"},                      // FAILURE: handled, said to lack an identity
		{failure, f1, f1.Add(20 * time.Second), "duplicate"}, // its retry
		{recovery, r, r, "incomplete"},                       // RECOVERY
		{failure, f1, r.Add(20 * time.Second), "duplicate"},  // the first FAILURE's late retry
		{failure, f2, f2, "incomplete"},                      // the second FAILURE, byte-identical to the first
		{recovery, r, f2.Add(10 * time.Second), "duplicate"}, // the RECOVERY's retry
		{failure, f2, f2.Add(20 * time.Second), "duplicate"}, // the second FAILURE's retry
		{failure, f1, f2.Add(40 * time.Second), "duplicate"}, // and the first's, once more
	} {
		s.clock.Set(step.now)
		if _, got := s.send(t, step.body, step.header); got != step.want {
			t.Fatalf("step %d: %s, want %s", i+1, got, step.want)
		}
	}
	var types []checkly.AlertType
	for _, a := range s.alerts() {
		types = append(types, a.AlertType)
	}
	if want := []checkly.AlertType{checkly.AlertFailure, checkly.AlertRecovery, checkly.AlertFailure}; !equalTypes(types, want) {
		t.Fatalf("handler saw %v, want %v", types, want)
	}
	// Each of the three alerts was reported incomplete, naming what would
	// give it an identity, and saying the header tells them apart.
	reasons := s.reasons()
	if n := strings.Count(reasons, "(add CHECK_RESULT_ID or STARTED_AT to the template)"); n != 3 {
		t.Fatalf("%d incomplete reports name CHECK_RESULT_ID or STARTED_AT, want 3:\n%s", n, reasons)
	}
	if !strings.Contains(reasons, "told apart only by the unsigned timestamp header") {
		t.Fatalf("the reports do not say the header tells the alerts apart:\n%s", reasons)
	}
}

func (s *checklyServer) reasons() string {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	var b strings.Builder
	for _, r := range s.obs.reports {
		if r.Err != nil {
			b.WriteString(r.Err.Error() + "\n")
		}
	}
	return b.String()
}

func equalTypes(a, b []checkly.AlertType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTemplateWithHTMLEntities: Checkly HTML-escapes {{VAR}}; the recommended
// template relies on it to keep the JSON valid, and the typed alert holds
// the values as Checkly knows them.
func TestTemplateWithHTMLEntities(t *testing.T) {
	s := newChecklyServer(t, nil)
	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"c1","check_result_id":"r1","started_at":"` + t0.Format(time.RFC3339) +
		`","check_name":"Checkout &amp; &quot;Payments&quot;","result_link":"https://app.checklyhq.com/r?a&#x3D;1&amp;b&#x3D;2"}`)
	if _, outcome := s.send(t, body, t0); outcome != "processed" {
		t.Fatalf("%s, want processed", outcome)
	}
	got := s.alerts()
	if len(got) != 1 || got[0].CheckName != `Checkout & "Payments"` || got[0].ResultLink != "https://app.checklyhq.com/r?a=1&b=2" {
		t.Fatalf("handler saw %+v", got)
	}
}

// TestBadPayloadStatusOption: an authentic body that does not decode is
// answered 400 by default (a failed delivery in every sender's log), or the
// status the route chooses (200 stops Checkly's five futile retries); the
// observer hears of it either way.
func TestBadPayloadStatusOption(t *testing.T) {
	for _, tc := range []struct {
		opts []middleware.Option
		want int
	}{{nil, 400}, {[]middleware.Option{middleware.WithBadPayloadStatus(200)}, 200}} {
		s := newChecklyServer(t, nil, tc.opts...)
		status, outcome := s.send(t, []byte(`{"alert_type":`), t0)
		if status != tc.want || outcome != "bad_payload" || s.obs.last(t).Outcome != middleware.BadPayload {
			t.Errorf("%d %s, want %d bad_payload", status, outcome, tc.want)
		}
	}
}

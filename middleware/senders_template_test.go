package middleware_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// The template contract for the senders without a header time, over real
// HTTP: OnCall (an Authorization token) and Datadog (Basic).

const (
	onCallToken = "Bearer template-test-oncall-token"
	ddUser      = "datadog"
	ddPassword  = "template-test-datadog-password"
)

// templateServer is one route of payload type T behind a real HTTP server,
// its store on the test's clock, its handler recording what it saw.
type templateServer[T any] struct {
	url   string
	clock interface {
		Now() time.Time
		Set(time.Time)
	}
	obs    *recorder
	mu     sync.Mutex
	events []middleware.Event[T]
}

func newTemplateServer[T any](t *testing.T, v verify.Verifier, opts ...middleware.Option) *templateServer[T] {
	t.Helper()
	clk := newClock(t0)
	s := &templateServer[T]{clock: clk, obs: &recorder{}}
	handler := func(_ context.Context, e middleware.Event[T]) error {
		s.mu.Lock()
		s.events = append(s.events, e)
		s.mu.Unlock()
		return nil
	}
	opts = append([]middleware.Option{middleware.WithStore(store.NewMemory(store.WithClock(clk.Now))),
		middleware.WithObserver(s.obs.observe), middleware.WithClock(clk.Now)}, opts...)
	h, err := middleware.NewRoute(v, handler, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *templateServer[T]) post(t *testing.T, body string, h http.Header) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get(middleware.OutcomeHeader)
}

func (s *templateServer[T]) handled() []middleware.Event[T] {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]middleware.Event[T](nil), s.events...)
}

func onCallVerifier(t *testing.T) verify.Verifier {
	t.Helper()
	v, err := verify.Authorization("oncall", verify.Secrets(onCallToken))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func datadogVerifier(t *testing.T) verify.Verifier {
	t.Helper()
	v, err := verify.Basic("datadog", []verify.Credential{{ID: "dd", Username: ddUser, Password: ddPassword}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var (
	onCallHeader  = http.Header{"Authorization": {onCallToken}}
	datadogHeader = http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(ddUser+":"+ddPassword))}}
)

// An OnCall webhook whose data template drops event.type is handled, and
// said to be incomplete, naming the expression to add: never answered
// processed with an empty type, never dropped.
func TestOnCallWithoutEventTypeIsIncomplete(t *testing.T) {
	s := newTemplateServer[oncall.Event](t, onCallVerifier(t), middleware.WithOrdering(0))
	body := `{"event":{"time":"` + t0.Add(-time.Minute).Format(time.RFC3339) + `"},"alert_group":{"id":"G1","state":"firing","title":"CPU"}}`
	if got := s.post(t, body, onCallHeader); got != "incomplete" {
		t.Fatalf("outcome %s, want incomplete", got)
	}
	ev := s.handled()
	if len(ev) != 1 || ev[0].Type != "" || ev[0].Payload.AlertGroup.ID != "G1" {
		t.Fatalf("handler saw %d events (%+v), want the one, with no type", len(ev), ev)
	}
	if err := s.obs.last(t).Err; err == nil || !strings.Contains(err.Error(), "event.type") ||
		!strings.Contains(err.Error(), "no event type") {
		t.Errorf("reason %v does not name event.type", err)
	}
}

// A user's own OnCall data template, mapped onto Event's fields with
// WithTemplateKeys: the typed event is filled, ordered and deduplicated by
// them.
func TestOnCallTemplateKeysOverHTTP(t *testing.T) {
	keys := event.KeyMap{"kind": "event.type", "group": "alert_group.id", "when": "{{ event.time }}"}
	s := newTemplateServer[oncall.Event](t, onCallVerifier(t), middleware.WithOrdering(0), middleware.WithTemplateKeys(keys))
	body := func(kind string, at time.Time) string {
		return fmt.Sprintf(`{"kind":%q,"group":"G7","when":%q}`, kind, at.Format(time.RFC3339))
	}
	for i, step := range []struct{ body, want string }{
		{body("resolve", t0.Add(-time.Minute)), "processed"},
		{body("resolve", t0.Add(-time.Minute)), "duplicate"},
		{body("acknowledge", t0.Add(-2*time.Minute)), "out_of_order"},
	} {
		if got := s.post(t, step.body, onCallHeader); got != step.want {
			t.Fatalf("step %d: %s, want %s", i+1, got, step.want)
		}
	}
	ev := s.handled()
	if len(ev) != 1 || ev[0].Type != "resolve" || ev[0].Payload.ResourceKey() != "G7" || !ev[0].Payload.OccurredAt().Equal(t0.Add(-time.Minute)) {
		t.Fatalf("handler saw %+v", ev)
	}
}

// A Datadog custom payload in the user's own keys, mapped with
// WithTemplateKeys, fills the typed event; one without $ID and $DATE
// cannot be told from an identical one, and the report says so plainly:
// Datadog sends no timestamp header to tell them apart.
func TestDatadogTemplateKeysOverHTTP(t *testing.T) {
	keys := event.KeyMap{"what": "$EVENT_TYPE", "cycle": "$ALERT_CYCLE_KEY", "id": "$ID", "at": "$DATE", "transition": "$ALERT_TRANSITION"}
	s := newTemplateServer[datadog.Event](t, datadogVerifier(t), middleware.WithOrdering(0), middleware.WithTemplateKeys(keys))
	complete := fmt.Sprintf(`{"what":"query_alert_monitor","cycle":"c-1","id":"e-1","at":"%d","transition":"Triggered"}`, t0.Add(-time.Minute).UnixMilli())
	if got := s.post(t, complete, datadogHeader); got != "processed" {
		t.Fatalf("mapped payload: %s", got)
	}
	ev := s.handled()
	if len(ev) != 1 || ev[0].Type != "query_alert_monitor" || ev[0].Payload.ID != "e-1" || ev[0].Payload.ResourceKey() != "c-1" ||
		!ev[0].Payload.Date.Equal(t0.Add(-time.Minute)) {
		t.Fatalf("handler saw %+v", ev)
	}

	bare := `{"what":"query_alert_monitor","cycle":"c-2","transition":"Triggered"}`
	plain := newTemplateServer[datadog.Event](t, datadogVerifier(t), middleware.WithTemplateKeys(keys))
	if got := plain.post(t, bare, datadogHeader); got != "incomplete" {
		t.Fatalf("payload without $ID and $DATE: %s, want incomplete", got)
	}
	err := plain.obs.last(t).Err
	if err == nil || !strings.Contains(err.Error(), "sends no timestamp header") || strings.Contains(err.Error(), "told apart only by the unsigned timestamp header") ||
		!strings.Contains(err.Error(), "$ID") {
		t.Errorf("reason %v: want the no-header limit, naming $ID", err)
	}
	// The limit, as documented: the same body half an hour later is taken
	// for a duplicate while it is within the dedupe window.
	plain.clock.Set(t0.Add(30 * time.Minute))
	if got := plain.post(t, bare, datadogHeader); got != "duplicate" {
		t.Fatalf("identical body 30 min later: %s, want duplicate (the documented limit)", got)
	}
}

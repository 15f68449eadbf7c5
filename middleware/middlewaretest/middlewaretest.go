// Package middlewaretest is the table of outcomes that every face of
// hookseal must answer alike: the net/http route of package middleware, the
// echo adapter and the gin adapter. Each face runs the same cases from its
// own tests, over real HTTP on loopback, by saying how it mounts a route:
//
//	func TestOutcomes(t *testing.T) {
//		middlewaretest.Run(t, func(tb testing.TB, rt middlewaretest.Route) http.Handler {
//			h, err := middleware.NewRoute(rt.Verifier, rt.Handler, rt.Options...)
//			if err != nil {
//				tb.Fatal(err)
//			}
//			return h // serve it at Path for every method
//		})
//	}
//
// A [Case] builds a fresh route (verifier, options, handler), the
// deliveries to send before and around the request under test, and the
// outcome the answer must carry: the outcome's status code
// ([middleware.Outcome.Status]), its Hookseal-Outcome header, the core's
// body ([middleware.Result.Body]) and headers such as Retry-After and
// Allow. Every outcome a sender can provoke over HTTP has a case:
// processed, unhandled, duplicate, stale, out_of_order, in_flight,
// unauthenticated, too_large, bad_payload, method_not_allowed,
// handler_error, store_unavailable, and, on a route with an inbox,
// accepted, inbox_full and dead_letter. [RunGate] runs the cases decided
// before the handler through a verify-only middleware.
//
// The deliveries are Checkly alerts decoded into [checkly.Alert]; the
// helpers that build them ([Sign], [AlertBody], [NewVerifier]) and the
// test doubles ([Clock], [FailingStore]) are exported for a face's own
// tests.
package middlewaretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/internal/testclock"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// Secret is the Checkly webhook secret that NewVerifier accepts and Sign
// signs with.
const Secret = "middlewaretest-secret"

// Path is the path every case sends its requests to. A Mount serves the
// route there for every request method, so that the route, not the
// framework's router, answers a wrong method.
const Path = "/hooks/checkly"

// Now is the present as every case's route sees it: a fixed instant, so
// freshness is judged the same way on every run.
func Now() time.Time { return time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) }

// Route is what a case asks a face to mount: a verifier, the route's
// options (a clock reading Now among them) and a handler for Checkly
// alerts.
type Route struct {
	Verifier verify.Verifier
	Options  []middleware.Option
	Handler  middleware.HandlerFunc[checkly.Alert]
}

// Mount builds the face under test for rt: an http.Handler (an echo or gin
// engine, or a net/http mux) that serves the route at Path for every
// method. It reports construction errors with tb.Fatal.
type Mount func(tb testing.TB, rt Route) http.Handler

// Case is one row of the table.
type Case struct {
	// Name names the case; it starts with the outcome's name.
	Name string
	// Want is the outcome the request under test must be answered with.
	Want middleware.Outcome
	// WantHeader lists the headers, besides those Check compares, that
	// the answer must carry with exactly these values.
	WantHeader map[string]string
	// Gate is true when the outcome is decided before the payload is
	// decoded, so the verify-only middleware answers it too.
	Gate bool
	// Inbox is true when the route keeps deliveries in an inbox
	// (middleware.WithInbox), which a face whose handler needs the
	// request cannot mount (see RunWithoutInbox).
	Inbox bool
	// Setup builds a fresh instance of the case.
	Setup func(tb testing.TB) *Scenario
}

// Scenario is one instance of a Case: its route and its requests.
type Scenario struct {
	Route Route
	// Before, when set, runs once the route is served and before Request
	// is sent: deliveries sent earlier, a copy held in the handler.
	Before func(tb testing.TB, s *Sender)
	// Request builds the request under test, for the route at url.
	Request func(tb testing.TB, url string) *http.Request
	// After, when set, runs once the answer is checked: it releases what
	// Before held and checks what the handler saw.
	After func(tb testing.TB, s *Sender)
}

// Sender sends requests to the route under test.
type Sender struct {
	// URL is the route's address: the server's URL and Path.
	URL    string
	Client *http.Client
}

// Send sends req and reads the whole answer; a transport error is fatal.
func (s *Sender) Send(tb testing.TB, req *http.Request) Answer {
	tb.Helper()
	a, err := Do(s.Client, req)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// Expect sends req and checks that the answer is the core's answer for
// want (see Answer.Check).
func (s *Sender) Expect(tb testing.TB, req *http.Request, want middleware.Outcome) Answer {
	tb.Helper()
	a := s.Send(tb, req)
	a.Check(tb, want)
	return a
}

// Answer is a response, read whole.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends req with client and reads the whole answer.
func Do(client *http.Client, req *http.Request) (Answer, error) {
	resp, err := client.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Answer{}, err
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Check reports through tb every way a differs from the core's answer for
// want: the status code, the Hookseal-Outcome and Cache-Control headers
// (as middleware.Result.SetHeaders sets them), Content-Type
// application/json, and the body, byte for byte (middleware.Result.Body).
func (a Answer) Check(tb testing.TB, want middleware.Outcome) {
	tb.Helper()
	res := middleware.Result{Outcome: want}
	if a.Status != res.Status() {
		tb.Errorf("status = %d, want %d (%s)", a.Status, res.Status(), want)
	}
	h := http.Header{}
	res.SetHeaders(h)
	h.Set("Content-Type", "application/json")
	for k, v := range h {
		if got := a.Header.Values(k); strings.Join(got, ", ") != strings.Join(v, ", ") {
			tb.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if wantBody := res.Body(); !bytes.Equal(a.Body, wantBody) {
		tb.Errorf("body = %q, want %q", a.Body, wantBody)
	}
}

// NewVerifier returns a Checkly verifier that accepts Secret.
func NewVerifier(tb testing.TB) *verify.HMACAuth {
	tb.Helper()
	v, err := verify.Checkly(verify.Secrets(Secret))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// Clock is a clock tests set by hand, safe for concurrent use: the one fake
// clock of hookseal's tests (Now, Set, Add). Pass its Now to
// middleware.WithClock and store.WithClock.
type Clock = testclock.Clock

// NewClock returns a Clock reading t.
func NewClock(t time.Time) *Clock { return testclock.New(t) }

// AlertBody returns a Checkly alert body for check checkID that started at
// startedAt.
func AlertBody(alertType checkly.AlertType, checkID string, startedAt time.Time) []byte {
	return fmt.Appendf(nil, `{"alert_type":%q,"check_id":%q,"check_name":"API health","started_at":%q}`,
		alertType, checkID, startedAt.UTC().Format(time.RFC3339))
}

// Sign returns a POST of body to url signed with Secret as Checkly signs
// it, with sentAt in its timestamp header.
func Sign(tb testing.TB, url string, body []byte, sentAt time.Time) *http.Request {
	tb.Helper()
	h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: sentAt}, Secret)
	if err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	return req
}

// ErrStoreDown is what a FailingStore returns while it is down.
var ErrStoreDown = errors.New("middlewaretest: store unavailable (connection refused)")

// FailingStore is a store.Store that fails every call with ErrStoreDown
// while it is down, standing in for a store whose server went away, and
// that reports store.ErrClaimLost for every Renew and Commit while it
// loses claims, standing in for a store that dropped them. Otherwise it
// passes every call to the store it wraps. It is the one failing store of
// hookseal's tests.
type FailingStore struct {
	store.Store
	down atomic.Bool
	lose atomic.Bool
}

// NewFailingStore wraps s (a new store.Memory when s is nil), down or up.
func NewFailingStore(s store.Store, down bool) *FailingStore {
	if s == nil {
		s = store.NewMemory()
	}
	f := &FailingStore{Store: s}
	f.down.Store(down)
	return f
}

// SetDown takes the store down or brings it back.
func (s *FailingStore) SetDown(down bool) { s.down.Store(down) }

// SetLosing makes the store lose every claim it is asked to renew or
// commit, or stop doing so.
func (s *FailingStore) SetLosing(lose bool) { s.lose.Store(lose) }

// Renew implements store.Store.
func (s *FailingStore) Renew(ctx context.Context, c store.Claim, lease time.Duration) error {
	switch {
	case s.down.Load():
		return ErrStoreDown
	case s.lose.Load():
		return store.ErrClaimLost
	}
	return s.Store.Renew(ctx, c, lease)
}

// Claim implements store.Store.
func (s *FailingStore) Claim(ctx context.Context, key string, lease time.Duration) (store.Claim, error) {
	if s.down.Load() {
		return store.Claim{}, ErrStoreDown
	}
	return s.Store.Claim(ctx, key, lease)
}

// Commit implements store.Store.
func (s *FailingStore) Commit(ctx context.Context, c store.Claim, window time.Duration) error {
	switch {
	case s.down.Load():
		return ErrStoreDown
	case s.lose.Load():
		return store.ErrClaimLost
	}
	return s.Store.Commit(ctx, c, window)
}

// Release implements store.Store.
func (s *FailingStore) Release(ctx context.Context, c store.Claim) error {
	if s.down.Load() {
		return ErrStoreDown
	}
	return s.Store.Release(ctx, c)
}

// Advance implements store.Store.
func (s *FailingStore) Advance(ctx context.Context, resource string, at time.Time, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, ErrStoreDown
	}
	return s.Store.Advance(ctx, resource, at, ttl)
}

// Run runs every case through the face that mount builds, each over a real
// HTTP server on loopback.
func Run(t *testing.T, mount Mount) {
	t.Helper()
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) { run(t, c, mount) })
	}
}

// RunWithoutInbox runs the cases whose route has no inbox, for a face
// whose handler needs the request being answered (an adapter's handler
// that takes the framework's context): an inbox runs handlers after the
// answer, and such a face refuses it
// (middleware.WithRequestBoundHandler).
func RunWithoutInbox(t *testing.T, mount Mount) {
	t.Helper()
	for _, c := range Cases() {
		if !c.Inbox {
			t.Run(c.Name, func(t *testing.T) { run(t, c, mount) })
		}
	}
}

// RunGate runs the cases decided before the handler (Case.Gate) through a
// verify-only middleware, and checks that an authentic delivery passes
// through it. mount must serve, at Path for every method, the face's
// verify-only middleware built from rt.Verifier and rt.Options in front of
// a handler that answers 204 No Content; rt.Handler is not used.
func RunGate(t *testing.T, mount Mount) {
	t.Helper()
	for _, c := range Cases() {
		if c.Gate {
			t.Run(c.Name, func(t *testing.T) { run(t, c, mount) })
		}
	}
	t.Run("forwarded", func(t *testing.T) {
		srv := httptest.NewServer(mount(t, Route{Verifier: NewVerifier(t), Options: []middleware.Option{ClockAt(Now())}}))
		defer srv.Close()
		s := &Sender{URL: srv.URL + Path, Client: srv.Client()}
		body := AlertBody(checkly.AlertFailure, "check-1", Now())
		for range 2 { // without a store, every copy passes
			a := s.Send(t, Sign(t, s.URL, body, Now()))
			if a.Status != http.StatusNoContent || a.Header.Get(middleware.OutcomeHeader) != "" {
				t.Errorf("authentic delivery: status %d, %s %q; want 204 from the next handler",
					a.Status, middleware.OutcomeHeader, a.Header.Get(middleware.OutcomeHeader))
			}
		}
	})
	t.Run("duplicate, given a store", func(t *testing.T) {
		opts := []middleware.Option{ClockAt(Now()), middleware.WithStore(store.NewMemory())}
		srv := httptest.NewServer(mount(t, Route{Verifier: NewVerifier(t), Options: opts}))
		defer srv.Close()
		s := &Sender{URL: srv.URL + Path, Client: srv.Client()}
		body := AlertBody(checkly.AlertFailure, "check-1", Now())
		if a := s.Send(t, Sign(t, s.URL, body, Now())); a.Status != http.StatusNoContent {
			t.Fatalf("first copy: status %d, want 204 from the next handler", a.Status)
		}
		s.Expect(t, Sign(t, s.URL, body, Now().Add(20*time.Second)), middleware.Duplicate)
	})
}

// ClockAt is the route option of a clock that always reads t: a route or
// guard built with ClockAt(Now()) judges every case's timestamps alike, on
// any day the tests run.
func ClockAt(t time.Time) middleware.Option {
	return middleware.WithClock(func() time.Time { return t })
}

func run(t *testing.T, c Case, mount Mount) {
	sc := c.Setup(t)
	srv := httptest.NewServer(mount(t, sc.Route))
	defer srv.Close()
	s := &Sender{URL: srv.URL + Path, Client: srv.Client()}
	if sc.Before != nil {
		sc.Before(t, s)
	}
	a := s.Expect(t, sc.Request(t, s.URL), c.Want)
	for k, v := range c.WantHeader {
		if got := a.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if sc.After != nil {
		sc.After(t, s)
	}
}

// Cases returns the table, a new copy on each call.
func Cases() []Case {
	return []Case{
		{Name: "processed", Want: middleware.Processed, Setup: processed},
		{Name: "unhandled", Want: middleware.Unhandled, Setup: unhandled},
		{Name: "incomplete", Want: middleware.Incomplete, Setup: incomplete},
		{Name: "claim_lost", Want: middleware.ClaimLost, Setup: claimLost},
		{Name: "duplicate", Want: middleware.Duplicate, Setup: duplicate},
		{Name: "stale", Want: middleware.Stale, Gate: true, Setup: stale},
		{Name: "out_of_order", Want: middleware.OutOfOrder, Setup: outOfOrder},
		{Name: "in_flight", Want: middleware.InFlight, WantHeader: map[string]string{"Retry-After": "15"}, Setup: inFlight},
		{Name: "unauthenticated, wrong signature", Want: middleware.Unauthenticated, Gate: true, Setup: wrongSignature},
		{Name: "unauthenticated, unsigned", Want: middleware.Unauthenticated, Gate: true, Setup: unsigned},
		{Name: "too_large", Want: middleware.TooLarge, Gate: true, Setup: tooLarge},
		{Name: "bad_payload", Want: middleware.BadPayload, Setup: badPayload},
		{Name: "method_not_allowed", Want: middleware.MethodNotAllowed, WantHeader: map[string]string{"Allow": "POST"}, Gate: true, Setup: methodNotAllowed},
		{Name: "handler_error", Want: middleware.HandlerError, Setup: handlerError},
		{Name: "store_unavailable", Want: middleware.StoreUnavailable, Setup: storeUnavailable},
		{Name: "accepted", Want: middleware.Accepted, Inbox: true, Setup: accepted},
		{Name: "inbox_full", Want: middleware.InboxFull, Inbox: true, WantHeader: map[string]string{"Retry-After": "20"}, Setup: inboxFull},
		{Name: "dead_letter", Want: middleware.DeadLettered, Inbox: true, Setup: deadLetter},
	}
}

// recorder is a handler that keeps what it saw and then does what then
// says (nil: succeed).
type recorder struct {
	mu     sync.Mutex
	events []middleware.Event[checkly.Alert]
	then   func() error
}

func (r *recorder) handle(_ context.Context, e middleware.Event[checkly.Alert]) error {
	e.Body = bytes.Clone(e.Body) // valid only until the handler returns
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.then != nil {
		return r.then()
	}
	return nil
}

// expectCalls checks the handler ran n times and returns what it saw.
func (r *recorder) expectCalls(tb testing.TB, n int) []middleware.Event[checkly.Alert] {
	tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) != n {
		tb.Errorf("handler ran %d times, want %d", len(r.events), n)
	}
	return append([]middleware.Event[checkly.Alert](nil), r.events...)
}

// simple is a scenario with one signed request of body and a handler that
// must run calls times.
func simple(tb testing.TB, body []byte, calls int, then func() error, opts ...middleware.Option) (*Scenario, *recorder) {
	rec := &recorder{then: then}
	return &Scenario{
		Route:   Route{Verifier: NewVerifier(tb), Options: append([]middleware.Option{ClockAt(Now())}, opts...), Handler: rec.handle},
		Request: func(tb testing.TB, url string) *http.Request { return Sign(tb, url, body, Now()) },
		After:   func(tb testing.TB, _ *Sender) { rec.expectCalls(tb, calls) },
	}, rec
}

func processed(tb testing.TB) *Scenario {
	body := AlertBody(checkly.AlertFailure, "check-1", Now().Add(-2*time.Second))
	sc, rec := simple(tb, body, 1, nil)
	sc.After = func(tb testing.TB, _ *Sender) {
		for _, e := range rec.expectCalls(tb, 1) {
			if e.Type != string(checkly.AlertFailure) || e.Payload.CheckID != "check-1" || e.Payload.CheckName != "API health" {
				tb.Errorf("event: type %q, payload %+v", e.Type, e.Payload)
			}
			if !bytes.Equal(e.Body, body) {
				tb.Errorf("event body = %q, want %q", e.Body, body)
			}
			if d := e.Delivery; d.Provider != verify.ProviderCheckly || d.SecretID == "" || d.Key.IsZero() {
				tb.Errorf("delivery = %+v", d)
			}
			if e.IdempotencyKey != e.Delivery.Key.String() || e.Fence == 0 || e.Attempt != 1 {
				tb.Errorf("event: idempotency key %q, fence %d, attempt %d", e.IdempotencyKey, e.Fence, e.Attempt)
			}
		}
	}
	return sc
}

func unhandled(tb testing.TB) *Scenario {
	rec := &recorder{}
	router := middleware.NewRouter[checkly.Alert]().On(string(checkly.AlertRecovery), rec.handle)
	body := AlertBody(checkly.AlertSSL, "check-1", Now())
	return &Scenario{
		Route:   Route{Verifier: NewVerifier(tb), Options: []middleware.Option{ClockAt(Now())}, Handler: router.Dispatch},
		Request: func(tb testing.TB, url string) *http.Request { return Sign(tb, url, body, Now()) },
		After: func(tb testing.TB, s *Sender) {
			rec.expectCalls(tb, 0)
			// Committed like a processed delivery: its retry is a duplicate.
			s.Expect(tb, Sign(tb, s.URL, body, Now().Add(20*time.Second)), middleware.Duplicate)
		},
	}
}

// incomplete: an authentic alert whose template leaves ALERT_TYPE out. The
// handler runs with what there is (it may still page someone), and the
// answer says the body lacks a type.
func incomplete(tb testing.TB) *Scenario {
	body := fmt.Appendf(nil, `{"check_id":"check-1","check_result_id":"r-1","started_at":%q}`, Now().Format(time.RFC3339))
	sc, _ := simple(tb, body, 1, nil)
	return sc
}

// claimLost: the handler succeeds, but the store has lost the claim by the
// time the delivery is committed.
func claimLost(tb testing.TB) *Scenario {
	fs := NewFailingStore(nil, false)
	sc, _ := simple(tb, AlertBody(checkly.AlertFailure, "check-1", Now()), 1, func() error {
		fs.SetLosing(true)
		return nil
	}, middleware.WithStore(fs))
	return sc
}

func duplicate(tb testing.TB) *Scenario {
	body := AlertBody(checkly.AlertFailure, "check-1", Now())
	sc, _ := simple(tb, body, 1, nil)
	sc.Before = func(tb testing.TB, s *Sender) { s.Expect(tb, Sign(tb, s.URL, body, Now()), middleware.Processed) }
	// Checkly's retry: the same body, a later timestamp header.
	sc.Request = func(tb testing.TB, url string) *http.Request { return Sign(tb, url, body, Now().Add(20*time.Second)) }
	return sc
}

func stale(tb testing.TB) *Scenario {
	sc, _ := simple(tb, AlertBody(checkly.AlertFailure, "check-1", Now()), 0, nil)
	// Sent at Now, judged ten minutes later: past the 5-minute window.
	sc.Route.Options = []middleware.Option{ClockAt(Now().Add(10 * time.Minute))}
	return sc
}

func outOfOrder(tb testing.TB) *Scenario {
	failure := AlertBody(checkly.AlertFailure, "check-1", Now().Add(-time.Minute))
	recovery := AlertBody(checkly.AlertRecovery, "check-1", Now())
	sc, rec := simple(tb, failure, 1, nil, middleware.WithOrdering(0))
	// The RECOVERY is processed; the FAILURE's retry lands after it.
	sc.Before = func(tb testing.TB, s *Sender) { s.Expect(tb, Sign(tb, s.URL, recovery, Now()), middleware.Processed) }
	sc.After = func(tb testing.TB, _ *Sender) {
		for _, e := range rec.expectCalls(tb, 1) {
			if e.Type != string(checkly.AlertRecovery) {
				tb.Errorf("handler saw %s, want only the recovery", e.Type)
			}
		}
	}
	return sc
}

func inFlight(tb testing.TB) *Scenario {
	body := AlertBody(checkly.AlertFailure, "check-1", Now())
	entered, unblock := make(chan struct{}), make(chan struct{})
	var enter, release sync.Once
	sc, _ := simple(tb, body, 1, func() error {
		enter.Do(func() { close(entered) })
		select {
		case <-unblock:
		case <-time.After(10 * time.Second): // never hang a failed test
		}
		return nil
	}, middleware.WithRetryAfter(15*time.Second))
	held := make(chan Answer, 1)
	sc.Before = func(tb testing.TB, s *Sender) {
		req := Sign(tb, s.URL, body, Now())
		go func() {
			a, err := Do(s.Client, req)
			if err != nil {
				a.Status, a.Body = -1, []byte(err.Error())
			}
			held <- a
		}()
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			tb.Fatal("the first copy never reached the handler")
		}
	}
	sc.After = func(tb testing.TB, s *Sender) {
		release.Do(func() { close(unblock) })
		(<-held).Check(tb, middleware.Processed) // the held copy finishes
		s.Expect(tb, Sign(tb, s.URL, body, Now()), middleware.Duplicate)
	}
	return sc
}

func wrongSignature(tb testing.TB) *Scenario {
	sc, _ := simple(tb, AlertBody(checkly.AlertFailure, "check-1", Now()), 0, nil)
	sign := sc.Request
	sc.Request = func(tb testing.TB, url string) *http.Request {
		req := sign(tb, url)
		req.Header.Set("X-Checkly-Signature", strings.Repeat("0", 64))
		return req
	}
	return sc
}

func unsigned(tb testing.TB) *Scenario {
	body := AlertBody(checkly.AlertFailure, "check-1", Now())
	sc, _ := simple(tb, body, 0, nil)
	sc.Request = func(tb testing.TB, url string) *http.Request {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			tb.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	return sc
}

func tooLarge(tb testing.TB) *Scenario {
	body := fmt.Appendf(nil, `{"alert_type":"ALERT_FAILURE","check_id":"check-1","pad":%q}`, strings.Repeat("x", 600))
	sc, _ := simple(tb, body, 0, nil, middleware.WithMaxBodyBytes(512))
	return sc
}

func badPayload(tb testing.TB) *Scenario {
	sc, _ := simple(tb, []byte(`{"alert_type": not json`), 0, nil)
	return sc
}

func methodNotAllowed(tb testing.TB) *Scenario {
	sc, _ := simple(tb, AlertBody(checkly.AlertFailure, "check-1", Now()), 0, nil)
	sign := sc.Request
	sc.Request = func(tb testing.TB, url string) *http.Request {
		req := sign(tb, url)
		req.Method = http.MethodPut
		return req
	}
	return sc
}

func handlerError(tb testing.TB) *Scenario {
	// The cause must reach the observer, never the response: Check
	// compares the body byte for byte.
	sc, _ := simple(tb, AlertBody(checkly.AlertFailure, "check-1", Now()), 1, func() error {
		return errors.New("database is down")
	})
	return sc
}

func storeUnavailable(tb testing.TB) *Scenario {
	sc, _ := simple(tb, AlertBody(checkly.AlertFailure, "check-1", Now()), 0, nil,
		middleware.WithStore(NewFailingStore(nil, true)))
	return sc
}

// withInbox is a scenario whose route keeps deliveries in a memory inbox
// (holding at most max entries) and whose runner runs them, once Before
// starts it, until the test ends.
func withInbox(tb testing.TB, body []byte, max int) (*Scenario, *inbox.Memory, *inbox.Runner, *recorder) {
	ib := inbox.NewMemory(inbox.WithMaxEntries(max))
	runner, err := inbox.NewRunner(ib, inbox.WithPoll(time.Millisecond))
	if err != nil {
		tb.Fatal(err)
	}
	sc, rec := simple(tb, body, 0, nil, middleware.WithName("checkly"), middleware.WithInbox(runner))
	return sc, ib, runner, rec
}

// start runs r until the test ends.
func start(tb testing.TB, r *inbox.Runner) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			tb.Errorf("runner returned %v, want context.Canceled", err)
		}
	})
}

// accepted: the answer comes once the inbox holds the delivery; the
// handler runs afterwards on the runner, once, with the delivery's
// idempotency key; a copy is a duplicate.
func accepted(tb testing.TB) *Scenario {
	body := AlertBody(checkly.AlertFailure, "check-1", Now())
	sc, ib, runner, rec := withInbox(tb, body, 10)
	sc.After = func(tb testing.TB, s *Sender) {
		start(tb, runner)
		deadline := time.Now().Add(5 * time.Second)
		for st, _ := ib.Stats(context.Background()); st != (inbox.Stats{}); st, _ = ib.Stats(context.Background()) {
			if time.Now().After(deadline) {
				tb.Fatalf("the entry was not handled within 5 s: %+v", st)
			}
			time.Sleep(time.Millisecond)
		}
		for _, e := range rec.expectCalls(tb, 1) {
			if e.Payload.CheckID != "check-1" || e.Attempt != 1 || e.Fence != 1 || e.IdempotencyKey != e.Delivery.Key.String() ||
				!bytes.Equal(e.Body, body) || e.Delivery.Provider != verify.ProviderCheckly {
				tb.Errorf("event: %+v", e)
			}
		}
		s.Expect(tb, Sign(tb, s.URL, body, Now().Add(20*time.Second)), middleware.Duplicate)
	}
	return sc
}

// inboxFull: the inbox holds one entry, its bound; the next delivery is
// refused with 503 and its claim released, so its retry is refused the
// same way rather than taken for a duplicate.
func inboxFull(tb testing.TB) *Scenario {
	first := AlertBody(checkly.AlertFailure, "check-1", Now())
	body := AlertBody(checkly.AlertFailure, "check-2", Now())
	sc, ib, _, rec := withInbox(tb, body, 1)
	sc.Before = func(tb testing.TB, s *Sender) { s.Expect(tb, Sign(tb, s.URL, first, Now()), middleware.Accepted) }
	sc.After = func(tb testing.TB, s *Sender) {
		s.Expect(tb, Sign(tb, s.URL, body, Now().Add(20*time.Second)), middleware.InboxFull)
		if st, err := ib.Stats(context.Background()); err != nil || st.Pending != 1 {
			tb.Errorf("stats %+v, %v: want the first entry pending", st, err)
		}
		rec.expectCalls(tb, 0)
	}
	return sc
}

// deadLetter: an authentic body that does not decode is kept, not refused:
// the inbox holds it as a dead letter, byte for byte, with the reason.
func deadLetter(tb testing.TB) *Scenario {
	body := []byte(`{"alert_type": not json`)
	sc, ib, runner, rec := withInbox(tb, body, 10)
	sc.After = func(tb testing.TB, s *Sender) {
		start(tb, runner) // it must not run a dead letter
		dead, err := ib.Dead(context.Background(), 10)
		if err != nil || len(dead) != 1 || !bytes.Equal(dead[0].Body, body) || dead[0].LastError == "" {
			tb.Fatalf("dead letters %+v, %v: want the body, with a reason", dead, err)
		}
		s.Expect(tb, Sign(tb, s.URL, body, Now().Add(20*time.Second)), middleware.Duplicate)
		rec.expectCalls(tb, 0)
	}
	return sc
}

// Delivery is one signed Checkly delivery, body and headers, for
// benchmarks that drive a route in process.
type Delivery struct {
	Body   []byte
	Header http.Header
}

// Deliveries signs n distinct Checkly alerts with Secret, each of a check
// of its own, started half an hour ago and sent now: fresh for a run far
// shorter than the freshness window.
func Deliveries(tb testing.TB, n int) []Delivery {
	tb.Helper()
	now := time.Now()
	out := make([]Delivery, n)
	for i := range out {
		body := AlertBody(checkly.AlertFailure, fmt.Sprintf("check-%d", i), now.Add(-time.Hour/2))
		h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: now}, Secret)
		if err != nil {
			tb.Fatal(err)
		}
		h.Set("Content-Type", "application/json")
		out[i] = Delivery{Body: body, Header: h}
	}
	return out
}

// ServeParallel is a parallel benchmark's loop: b.N deliveries of
// Deliveries(b, b.N) posted to h from 16 goroutines per CPU, as many
// senders at once post to a receiver, each answer checked against want.
func ServeParallel(b *testing.B, h http.Handler, want middleware.Outcome) {
	b.Helper()
	ds := Deliveries(b, b.N)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ds[next.Add(1)-1].Serve(b, h, want)
		}
	})
}

// Serve posts d to h in process and reports an error on tb unless the
// answer's outcome is want. It never stops the test, so goroutines of
// b.RunParallel may call it.
func (d Delivery) Serve(tb testing.TB, h http.Handler, want middleware.Outcome) {
	req := httptest.NewRequest(http.MethodPost, "/checkly", bytes.NewReader(d.Body))
	req.Header = d.Header
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if got := middleware.Outcome(w.Header().Get(middleware.OutcomeHeader)); got != want {
		tb.Errorf("answered %s, want %s", got, want)
	}
}

package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

func TestGuard(t *testing.T) {
	v, _ := verify.Checkly(verify.Secrets(secret))
	obs := &recorder{}
	g, err := middleware.NewGuard(v, middleware.WithObserver(obs.observe), middleware.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var gotBody, gotCtxBody []byte
	var gotDelivery verify.Delivery
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		// The user's handler reads r.Body as if nothing came before it.
		gotBody, _ = io.ReadAll(r.Body)
		if r.ContentLength != int64(len(gotBody)) {
			t.Errorf("ContentLength = %d, body %d", r.ContentLength, len(gotBody))
		}
		gotDelivery, _ = middleware.DeliveryFrom(r.Context())
		b, _ := middleware.BodyFrom(r.Context())
		gotCtxBody = bytes.Clone(b)
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(g.Handler(next))
	defer srv.Close()

	body := []byte("{\n  \"alert_type\": \"ALERT_FAILURE\",\n  \"check_id\": \"c\"\n}\n")
	resp, err := srv.Client().Do(signed(t, srv.URL, body, t0))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || calls.Load() != 1 {
		t.Fatalf("status %d, calls %d", resp.StatusCode, calls.Load())
	}
	if !bytes.Equal(gotBody, body) || !bytes.Equal(gotCtxBody, body) {
		t.Fatalf("body not restored byte for byte: %q / %q", gotBody, gotCtxBody)
	}
	if gotDelivery.Provider != "checkly" || gotDelivery.Key.IsZero() || gotDelivery.SecretID != "s1" {
		t.Fatalf("delivery = %+v", gotDelivery)
	}
	if rep := obs.last(t); rep.Outcome != middleware.Forwarded || rep.Provider != "checkly" || rep.Status() != http.StatusAccepted {
		t.Fatalf("report = %+v", rep)
	}

	// Failures are answered by the middleware and never reach next.
	for name, tc := range map[string]struct {
		req  func() *http.Request
		want middleware.Outcome
	}{
		"unsigned": {func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
			return r
		}, middleware.Unauthenticated},
		"stale": {func() *http.Request { return signed(t, srv.URL, body, t0.Add(-time.Hour)) }, middleware.Stale},
		"get": {func() *http.Request {
			r := signed(t, srv.URL, body, t0)
			r.Method = http.MethodGet
			return r
		}, middleware.MethodNotAllowed},
		"too large": {func() *http.Request {
			return signed(t, srv.URL, bytes.Repeat([]byte(" "), middleware.DefaultMaxBodyBytes+1), t0)
		}, middleware.TooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := srv.Client().Do(tc.req())
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			expect(t, resp, string(b), tc.want)
		})
	}
	if calls.Load() != 1 {
		t.Fatalf("next ran %d times", calls.Load())
	}
	// Without a store a Guard does not deduplicate: a copy reaches next.
	resp, err = srv.Client().Do(signed(t, srv.URL, body, t0))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if calls.Load() != 2 {
		t.Fatalf("a Guard without a store dropped a copy: next ran %d times", calls.Load())
	}
	if _, ok := middleware.DeliveryFrom(context.Background()); ok {
		t.Fatal("DeliveryFrom on a bare context")
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		n := copy(p, strings.Repeat("{", min(len(p), f.n)))
		f.n -= n
		return n, nil
	}
	return 0, errors.New("connection reset by peer")
}

func TestBodyReadError(t *testing.T) {
	v, _ := verify.Checkly(verify.Secrets(secret))
	obs := &recorder{}
	var calls atomic.Int32
	h, _ := middleware.NewRoute(v, func(context.Context, middleware.Event[alert]) error { calls.Add(1); return nil },
		middleware.WithObserver(obs.observe))
	req := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(&failingReader{n: 10}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || rec.Header().Get("Hookseal-Outcome") != "bad_request" || calls.Load() != 0 {
		t.Fatalf("code %d outcome %q", rec.Code, rec.Header().Get("Hookseal-Outcome"))
	}
	if err := obs.last(t).Err; err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("cause = %v", err)
	}
}

// An outer http.MaxBytesReader with a lower limit is honoured as too_large.
func TestOuterMaxBytesReader(t *testing.T) {
	v, _ := verify.Checkly(verify.Secrets(secret))
	h, _ := middleware.NewRoute(v, func(context.Context, middleware.Event[alert]) error { return nil })
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 10)
		r.ContentLength = -1
		h.ServeHTTP(w, r)
	})
	rec := httptest.NewRecorder()
	outer.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("a", 100))))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("code %d", rec.Code)
	}
}

// TestGuardWithStoreDeduplicates: given a store, the verify-only
// middleware drops copies of a delivery the next handler has answered, and
// answers a copy that arrives while it runs 409; a 5xx from next releases
// the delivery so the sender's retry reaches next again.
func TestGuardWithStoreDeduplicates(t *testing.T) {
	v, _ := verify.Checkly(verify.Secrets(secret))
	obs := &recorder{}
	g, err := middleware.NewGuard(v, middleware.WithStore(store.NewMemory()), middleware.WithObserver(obs.observe),
		middleware.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var failNext atomic.Bool
	entered, unblock := make(chan struct{}, 1), make(chan struct{})
	var block atomic.Bool
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if block.Load() {
			entered <- struct{}{}
			<-unblock
		}
		if failNext.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	srv := httptest.NewServer(g.Handler(next))
	defer srv.Close()
	send := func(body []byte) (int, string) {
		resp, err := srv.Client().Do(signed(t, srv.URL, body, t0))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Hookseal-Outcome")
	}

	a := alertBody("ALERT_FAILURE", "a", t0)
	if code, out := send(a); code != 200 || out != "" || calls.Load() != 1 {
		t.Fatalf("first copy: %d %q, calls %d", code, out, calls.Load())
	}
	if code, out := send(a); code != 200 || out != "duplicate" || calls.Load() != 1 {
		t.Fatalf("second copy: %d %q, calls %d", code, out, calls.Load())
	}

	// A 5xx from next releases: the retry reaches next.
	b := alertBody("ALERT_FAILURE", "b", t0)
	failNext.Store(true)
	if code, _ := send(b); code != 503 || calls.Load() != 2 {
		t.Fatalf("failing next: %d, calls %d", code, calls.Load())
	}
	failNext.Store(false)
	if code, out := send(b); code != 200 || out != "" || calls.Load() != 3 {
		t.Fatalf("retry after a 5xx: %d %q, calls %d", code, out, calls.Load())
	}

	// A copy during the first one's handler: 409 in_flight.
	c := alertBody("ALERT_FAILURE", "c", t0)
	block.Store(true)
	done := make(chan struct{})
	go func() { defer close(done); send(c) }()
	<-entered
	block.Store(false)
	if code, out := send(c); code != 409 || out != "in_flight" {
		t.Fatalf("concurrent copy: %d %q", code, out)
	}
	close(unblock)
	<-done
	if calls.Load() != 4 {
		t.Fatalf("next ran %d times, want 4", calls.Load())
	}

	// Options a Guard cannot honour are refused, not ignored.
	for _, opt := range []middleware.Option{middleware.WithOrdering(0), middleware.WithStrictPayload(),
		middleware.WithMaxStampAge(time.Hour), middleware.WithBadPayloadStatus(200), middleware.WithHandlerErrorStatus(503)} {
		if _, err := middleware.NewGuard(v, opt); err == nil || !strings.Contains(err.Error(), "Route") {
			t.Errorf("NewGuard accepted a route-only option: %v", err)
		}
	}
}

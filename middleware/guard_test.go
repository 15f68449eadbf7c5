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
	"github.com/hookseal/hookseal/verify"
)

func TestVerifyOnlyMiddleware(t *testing.T) {
	v, _ := verify.Checkly(verify.Secrets(secret), verify.WithClock(func() time.Time { return t0 }))
	obs := &recorder{}
	mw, err := middleware.Verify(v, middleware.WithObserver(obs.observe))
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
	srv := httptest.NewServer(mw(next))
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
	if gotDelivery.Provider != "checkly" || !gotDelivery.Verified || gotDelivery.SecretID != "s1" {
		t.Fatalf("delivery = %+v", gotDelivery)
	}
	if rep := obs.last(t); rep.Outcome != middleware.Forwarded || rep.Provider != "checkly" {
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
	h, _ := middleware.Handle(v, func(context.Context, middleware.Event[alert]) error { calls.Add(1); return nil },
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
	h, _ := middleware.Handle(v, func(context.Context, middleware.Event[alert]) error { return nil })
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

package middlewaretest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
)

// The table through net/http, the face the adapters must match.
func TestNetHTTP(t *testing.T) {
	middlewaretest.Run(t, func(tb testing.TB, rt middlewaretest.Route) http.Handler {
		h, err := middleware.NewRoute(rt.Verifier, rt.Handler, rt.Options...)
		if err != nil {
			tb.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle(middlewaretest.Path, h)
		return mux
	})
}

func TestNetHTTPVerifyOnly(t *testing.T) {
	middlewaretest.RunGate(t, func(tb testing.TB, rt middlewaretest.Route) http.Handler {
		g, err := middleware.NewGuard(rt.Verifier, rt.Options...)
		if err != nil {
			tb.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle(middlewaretest.Path, g.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		})))
		return mux
	})
}

func TestCasesCoverEveryOutcome(t *testing.T) {
	covered := map[middleware.Outcome]bool{}
	for _, c := range middlewaretest.Cases() {
		covered[c.Want] = true
		if c.Setup == nil || c.Name == "" {
			t.Errorf("case %q is incomplete", c.Name)
		}
	}
	for _, o := range middleware.AllOutcomes() {
		// bad_request needs a client that breaks its own request body,
		// which a real HTTP client does not send; forwarded is RunGate's;
		// retrying and superseded are an inbox runner's reports, never an
		// answer; not_found is NotFoundHandler's, never a route's.
		switch o {
		case middleware.BadRequest, middleware.Forwarded, middleware.Retrying, middleware.Superseded, middleware.NotFound:
			continue
		}
		if !covered[o] {
			t.Errorf("no case for %s", o)
		}
	}
}

// A table that cannot fail proves nothing: a face that answers every
// request 200 processed must fail most cases.
func TestCheckCatchesAWrongAnswer(t *testing.T) {
	a := middlewaretest.Answer{Status: 200, Header: http.Header{}, Body: []byte("ok")}
	rec := &fakeTB{}
	a.Check(rec, middleware.Unauthenticated)
	if rec.errors < 3 { // status, header, body
		t.Fatalf("Check reported %d differences", rec.errors)
	}
}

type fakeTB struct {
	testing.TB
	errors int
}

func (f *fakeTB) Helper()               { /* nothing to mark */ }
func (f *fakeTB) Errorf(string, ...any) { f.errors++ }

func TestFailingStore(t *testing.T) {
	s := middlewaretest.NewFailingStore(nil, true)
	ctx := context.Background()
	if _, err := s.Claim(ctx, "k", time.Minute); !errors.Is(err, middlewaretest.ErrStoreDown) {
		t.Fatalf("down: %v", err)
	}
	if _, err := s.Advance(ctx, "r", time.Now(), time.Minute); !errors.Is(err, middlewaretest.ErrStoreDown) {
		t.Fatalf("down: %v", err)
	}
	s.SetDown(false)
	c, err := s.Claim(ctx, "k", time.Minute)
	if err != nil || c.State != store.Claimed {
		t.Fatalf("up: %+v, %v", c, err)
	}
	s.SetDown(true)
	if err := s.Commit(ctx, c, time.Minute); !errors.Is(err, middlewaretest.ErrStoreDown) {
		t.Fatalf("down: %v", err)
	}
	if err := s.Release(ctx, c); !errors.Is(err, middlewaretest.ErrStoreDown) {
		t.Fatalf("down: %v", err)
	}
	if err := s.Renew(ctx, c, time.Minute); !errors.Is(err, middlewaretest.ErrStoreDown) {
		t.Fatalf("down: %v", err)
	}
	s.SetDown(false)
	s.SetLosing(true)
	if err := s.Renew(ctx, c, time.Minute); !errors.Is(err, store.ErrClaimLost) {
		t.Fatalf("losing: %v", err)
	}
	if err := s.Commit(ctx, c, time.Minute); !errors.Is(err, store.ErrClaimLost) {
		t.Fatalf("losing: %v", err)
	}
	s.SetLosing(false)
	if err := s.Commit(ctx, c, time.Minute); err != nil {
		t.Fatalf("up again: %v", err)
	}
}

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := middlewaretest.NewClock(t0)
	c.Add(time.Minute)
	if !c.Now().Equal(t0.Add(time.Minute)) {
		t.Fatalf("Now = %v", c.Now())
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("Now = %v", c.Now())
	}
}

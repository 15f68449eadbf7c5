package middleware_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// countingStore counts the calls that reach a store before a handler
// runs; it hides ClaimAndAdvance unless combined is set.
type countingStore struct {
	*store.Memory
	claims, advances, combined atomic.Int32
}

func (s *countingStore) Claim(ctx context.Context, key string, lease time.Duration) (store.Claim, error) {
	s.claims.Add(1)
	return s.Memory.Claim(ctx, key, lease)
}

func (s *countingStore) Advance(ctx context.Context, resource string, at time.Time, ttl time.Duration) (bool, error) {
	s.advances.Add(1)
	return s.Memory.Advance(ctx, resource, at, ttl)
}

// plainStore is a store.Store only: the middleware claims, then advances.
type plainStore struct{ store.Store }

type combinedStore struct{ *countingStore }

func (s combinedStore) ClaimAndAdvance(ctx context.Context, key string, lease time.Duration, resource string, at time.Time, ttl time.Duration) (store.Claim, bool, error) {
	s.combined.Add(1)
	return s.Memory.ClaimAndAdvance(ctx, key, lease, resource, at, ttl)
}

// A store.ClaimAdvancer claims and advances an ordered delivery in one
// call, with the same outcomes as Claim then Advance.
func TestClaimAndAdvanceOneCall(t *testing.T) {
	for _, c := range []struct {
		name                      string
		wrap                      func(*countingStore) store.Store
		claims, advances, combine int32
	}{
		{"two calls", func(s *countingStore) store.Store { return plainStore{s} }, 4, 3, 0},
		// The duplicate's Claim is a ClaimAndAdvance too.
		{"one call", func(s *countingStore) store.Store { return combinedStore{s} }, 0, 0, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := newClock(t0)
			cs := &countingStore{Memory: store.NewMemory(store.WithClock(clk.Now))}
			v, err := verify.Checkly(verify.Secrets(secret))
			if err != nil {
				t.Fatal(err)
			}
			var calls atomic.Int32
			h, err := middleware.NewRoute(v, func(context.Context, middleware.Event[alert]) error { calls.Add(1); return nil },
				middleware.WithStore(c.wrap(cs)), middleware.WithOrdering(0), middleware.WithClock(clk.Now))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			send := func(body []byte, want middleware.Outcome) {
				t.Helper()
				resp, err := srv.Client().Do(signed(t, srv.URL, body, t0))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if got := resp.Header.Get("Hookseal-Outcome"); got != string(want) {
					t.Fatalf("outcome %q, want %q", got, want)
				}
			}
			recovery := alertBody("ALERT_RECOVERY", "c", t0.Add(-time.Minute))
			send(recovery, middleware.Processed)
			send(recovery, middleware.Duplicate)
			send(alertBody("ALERT_FAILURE", "c", t0.Add(-2*time.Minute)), middleware.OutOfOrder)
			send(alertBody("ALERT_FAILURE", "c", t0), middleware.Processed)
			if calls.Load() != 2 {
				t.Errorf("handler calls = %d, want 2", calls.Load())
			}
			if got := [3]int32{cs.claims.Load(), cs.advances.Load(), cs.combined.Load()}; got != [3]int32{c.claims, c.advances, c.combine} {
				t.Errorf("claims, advances, combined calls = %v, want %v", got, [3]int32{c.claims, c.advances, c.combine})
			}
		})
	}
}

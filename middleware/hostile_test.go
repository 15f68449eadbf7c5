package middleware_test

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/internal/hostile"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"

	"net/http/httptest"
)

// TestHostileInput sends the shared hostile suite as raw bytes over
// loopback to a Checkly route: each request gets its documented status and
// outcome, none reaches the handler, the server keeps serving, and the heap
// does not grow with repeated rounds.
func TestHostileInput(t *testing.T) {
	now := time.Now()
	v, err := verify.Checkly(verify.Secrets(secret))
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	h, err := middleware.NewRoute(v, func(context.Context, middleware.Event[checkly.Alert]) error {
		calls.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	target := hostile.Target{Path: "/checkly", Secret: secret, Now: now, MaxBody: middleware.DefaultMaxBodyBytes}

	round := func(n int) {
		t.Helper()
		for _, c := range hostile.Cases(target) {
			status, outcome, err := hostile.Send(addr, c.Raw, 10*time.Second)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if status != c.Status || outcome != c.Outcome {
				t.Errorf("%s: answered %d %q, want %d %q", c.Name, status, outcome, c.Status, c.Outcome)
			}
		}
		// The server is still up and still processes a valid delivery.
		status, outcome, err := hostile.Send(addr, hostile.Valid(target, n), 10*time.Second)
		if err != nil || status != 200 || outcome != string(middleware.Processed) {
			t.Fatalf("control delivery after round %d: %d %q %v", n, status, outcome, err)
		}
	}

	round(0)
	if t.Failed() {
		return
	}
	if got := calls.Load(); got != 1 {
		t.Fatalf("handler ran %d times, want once (the control delivery only)", got)
	}

	// Memory: more rounds must not keep what they allocated.
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	const rounds = 5
	for n := 1; n <= rounds; n++ {
		round(n)
	}
	after := heap()
	if calls.Load() != 1+rounds {
		t.Fatalf("handler ran %d times, want %d", calls.Load(), 1+rounds)
	}
	t.Logf("heap before %d KiB, after %d more rounds %d KiB", before>>10, rounds, after>>10)
	if after > before+16<<20 {
		t.Fatalf("heap grew from %d KiB to %d KiB over %d rounds", before>>10, after>>10, rounds)
	}
}

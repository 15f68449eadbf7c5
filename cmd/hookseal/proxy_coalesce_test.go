package main

import (
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// coalesce: true on an ordered route with the inbox: while the app is
// down, a newer event of a check supersedes the older pending one, so the
// app gets the check's latest state once it is back, not every step; the
// superseded entry is reported as such. Without coalesce both arrive, in
// order.
func TestProxyCoalesces(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		coalesce bool
		want     []string // the alert types the app accepts, in order
	}{
		{"coalesce", true, []string{"ALERT_RECOVERY"}},
		{"every step", false, []string{"ALERT_FAILURE", "ALERT_RECOVERY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var (
				down     atomic.Bool
				mu       sync.Mutex
				accepted []string
			)
			down.Store(true)
			var self atomic.Pointer[upstream] // the upstream, for its handler to read its hops
			srv := startUpstream(t, func(n int, w http.ResponseWriter) {
				if down.Load() {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				u := self.Load()
				u.mu.Lock()
				typ := u.hops[n].header.Get("Hookseal-Event-Type")
				u.mu.Unlock()
				mu.Lock()
				accepted = append(accepted, typ)
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			})
			self.Store(srv)
			coalesce := ""
			if tc.coalesce {
				coalesce = "    coalesce: true\n"
			}
			p := startProxy(t, []string{tChecklyEnv, tProxyEnv}, fill(proxyBase+`
routes:
  - path: /checkly
    sender: checkly
    secrets: {env: CHECKLY_WEBHOOK_SECRET}
    order: true
`+coalesce, map[string]string{"data": t.TempDir(), "up": srv.url()}))

			now := time.Now()
			failure, fh := checklyDelivery(t, "ALERT_FAILURE", "check-c", now.Add(-2*time.Minute))
			if _, outcome := post(t, p.url("/checkly"), failure, fh); outcome != "accepted" {
				t.Fatalf("FAILURE: %s, want accepted", outcome)
			}
			srv.wait(t, 1, 10*time.Second) // its first attempt failed: it waits for its backoff
			recovery, rh := checklyDelivery(t, "ALERT_RECOVERY", "check-c", now.Add(-time.Minute))
			if _, outcome := post(t, p.url("/checkly"), recovery, rh); outcome != "accepted" {
				t.Fatalf("RECOVERY: %s, want accepted", outcome)
			}
			down.Store(false)

			deadline := time.Now().Add(15 * time.Second)
			for {
				mu.Lock()
				done := slices.Contains(accepted, "ALERT_RECOVERY")
				mu.Unlock()
				if done || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(500 * time.Millisecond) // room for a wrong extra delivery to show
			mu.Lock()
			got := slices.Clone(accepted)
			mu.Unlock()
			if !slices.Equal(got, tc.want) {
				t.Errorf("the app accepted %v, want %v", got, tc.want)
			}
			if tc.coalesce {
				p.stderr.wait(t, 0, "a superseded line", func(m map[string]any) bool { return m["outcome"] == "superseded" })
			}
		})
	}
}

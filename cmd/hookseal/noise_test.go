package main

import (
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/hooktest"
)

// Requests anyone can send (unauthenticated, method_not_allowed, and
// paths no route serves) are counted on /metrics every one, route "" for
// the paths without a route, while --log-noise-every 3 prints one line in
// three of them; every other line is printed.
func TestListenSamplesNoiseAndCountsIt(t *testing.T) {
	t.Parallel()
	p := startListen(t, []string{tChecklyEnv}, "--admin", "127.0.0.1:0", "--log-noise-every", "3")
	now := time.Now()
	for range 6 {
		if status, outcome := post(t, p.url("/wp-login.php"), []byte(`{}`), nil); status != 404 || outcome != "not_found" {
			t.Fatalf("unknown path: %d %s", status, outcome)
		}
		body, _ := checklyDelivery(t, "ALERT_FAILURE", "check-x", now)
		if _, outcome := post(t, p.url("/checkly"), body, signedHeader(t, hooktest.Checkly("guessed"), body, now)); outcome != "unauthenticated" {
			t.Fatalf("wrong secret: %s", outcome)
		}
	}
	body, h := checklyDelivery(t, "ALERT_FAILURE", "check-ok", now.Add(-time.Minute))
	if _, outcome := post(t, p.url("/checkly"), body, h); outcome != "processed" {
		t.Fatalf("valid delivery: %s", outcome)
	}
	if _, outcome := post(t, p.url("/checkly"), body, signedHeader(t, hooktest.Checkly(lChecklyNew), body, now.Add(time.Second))); outcome != "duplicate" {
		t.Fatalf("its copy: %s", outcome)
	}
	p.stderr.wait(t, 0, "the duplicate's line", func(m map[string]any) bool { return m["outcome"] == "duplicate" })

	got := scrape(t, p.admin)
	if got[" not_found"] != 6 || got["checkly unauthenticated"] != 6 || got["checkly processed"] != 1 || got["checkly duplicate"] != 1 {
		t.Errorf("/metrics: not_found %v, unauthenticated %v, processed %v, duplicate %v; want 6, 6, 1, 1",
			got[" not_found"], got["checkly unauthenticated"], got["checkly processed"], got["checkly duplicate"])
	}
	lines := p.stderr.text()
	if n := strings.Count(lines, `"outcome":"not_found"`); n != 2 {
		t.Errorf("%d not_found lines printed for 6, want 2 (one in 3)", n)
	}
	if n := strings.Count(lines, `"outcome":"unauthenticated"`); n != 2 {
		t.Errorf("%d unauthenticated lines printed for 6, want 2 (one in 3)", n)
	}
	if n := strings.Count(lines, `"outcome":"duplicate"`); n != 1 {
		t.Errorf("%d duplicate lines, want 1: only noise is sampled", n)
	}
}

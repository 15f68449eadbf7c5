package main

import (
	"encoding/base64"

	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/verify"
)

// The proxy tests' secrets: none may ever be printed.
var (
	tProxySecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("hookseal-proxy-test-hop-s3cr3t!!"))
	tChecklyEnv  = "CHECKLY_WEBHOOK_SECRET=" + lChecklyNew
	tProxyEnv    = "HOOKSEAL_PROXY_SECRET=" + tProxySecret
)

// writeFile writes a file of the test's and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// startProxy writes config (its {{...}} placeholders filled from vars) to
// a file and runs "hookseal proxy --config" on it.
func startProxy(t *testing.T, env []string, config string) *listenProc {
	t.Helper()
	path := writeFile(t, t.TempDir(), "proxy.yaml", config)
	return startServing(t, env, "proxy", "--config", path)
}

// hop is one request the upstream got.
type hop struct {
	header http.Header
	body   []byte
	at     time.Time
}

// upstream is an app behind the proxy, in the test's process: it records
// every request and answers what answer says for the n-th (from 0).
type upstream struct {
	srv    *httptest.Server
	mu     sync.Mutex
	hops   []hop
	answer func(n int, w http.ResponseWriter)
}

func startUpstream(t *testing.T, answer func(n int, w http.ResponseWriter)) *upstream {
	t.Helper()
	u := &upstream{answer: answer}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		n := len(u.hops)
		u.hops = append(u.hops, hop{header: r.Header.Clone(), body: body, at: time.Now()})
		u.mu.Unlock()
		if u.answer == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		u.answer(n, w)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) url() string { return u.srv.URL + "/hooks" }

// wait returns the hops once there are at least n, failing after timeout.
func (u *upstream) wait(t *testing.T, n int, timeout time.Duration) []hop {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		u.mu.Lock()
		got := append([]hop(nil), u.hops...)
		u.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upstream got %d requests after %s, want %d", len(got), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// verifyHop checks the hop's Standard Webhooks signature as an app would,
// with hookseal's own verifier.
func verifyHop(t *testing.T, h hop) verify.Delivery {
	t.Helper()
	v, err := verify.StandardWebhooks(verify.Secrets(tProxySecret))
	if err != nil {
		t.Fatal(err)
	}
	d, err := v.Verify(h.header, h.body)
	if err != nil {
		t.Fatalf("the hop does not verify: %v", err)
	}
	if err := verify.DefaultWindow().Check(d.Timestamp, time.Now()); err != nil {
		t.Errorf("the hop's webhook-timestamp: %v", err)
	}
	return d
}

// checklyDelivery is a signed Checkly alert for check, started at.
func checklyDelivery(t *testing.T, alertType, check string, at time.Time) ([]byte, http.Header) {
	t.Helper()
	a := hooktest.ChecklyAlert(checkly.AlertType(alertType), at)
	a.CheckID = check
	body := hooktest.ChecklyBody(a)
	return body, signedHeader(t, hooktest.Checkly(lChecklyNew), body, time.Now())
}

// freePort returns a loopback port nothing listens on (for an upstream
// that is down, or one to start later).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// fill replaces {{name}} in s.
func fill(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

package demotest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/examples/internal/demo"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// NewHandlerFunc is the shape of every example's newHandler.
type NewHandlerFunc = demo.NewHandlerFunc

// Start builds a receiver with newHandler from env and serves it on a
// loopback httptest server for the test's duration. It returns the base
// URL and the receiver's logs.
func Start(t *testing.T, newHandler NewHandlerFunc, env map[string]string) (string, *Buffer) {
	t.Helper()
	logs := new(Buffer)
	h, closeStore, err := newHandler(t.Context(), Env(env), slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeStore() })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, logs
}

// CheckServer runs the real server, as main does (demo.Run), with env and ADDR set to
// a free loopback port; calls deliver with its base URL; then cancels the
// context, as SIGTERM does, and checks that the server shuts down cleanly
// and stops answering.
func CheckServer(t *testing.T, newHandler NewHandlerFunc, env map[string]string, deliver func(t *testing.T, base string)) {
	t.Helper()
	vars := map[string]string{demo.EnvAddr: "127.0.0.1:0"}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	logs := new(Buffer)
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- demo.Run(ctx, Env(vars), logs, func(a net.Addr) { addrs <- a }, newHandler) }()

	var base string
	select {
	case a := <-addrs:
		base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}

	deliver(t, base)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(demo.ShutdownTimeout + 5*time.Second):
		t.Fatal("server did not shut down")
	}
	if resp, err := http.Post(base+demo.PathCheckly, "application/json", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
		t.Error("server still answering after shutdown")
	}
	WantLog(t, logs, "stopped")
}

// DeliverChecklyAlert sends a signed Checkly alert (processed) and a
// forged one (401): a deliver func for CheckServer.
func DeliverChecklyAlert(t *testing.T, base string) {
	t.Helper()
	body := ChecklyAlert(t, "ALERT_FAILURE", ID("check"), "API health", time.Now())
	Expect(t, "delivery", Send(t, base, Checkly(t, ChecklySecret, body)), http.StatusOK, middleware.Processed)
	Expect(t, "forged", Send(t, base, Checkly(t, "forged", body)), http.StatusUnauthorized, middleware.Unauthenticated)
}

// CheckBadAddr checks that demo.Run fails, rather than serve, on an
// unusable ADDR.
func CheckBadAddr(t *testing.T, newHandler NewHandlerFunc, env map[string]string) {
	t.Helper()
	vars := map[string]string{demo.EnvAddr: "127.0.0.1:not-a-port"}
	for k, v := range env {
		vars[k] = v
	}
	if err := demo.Run(t.Context(), Env(vars), new(Buffer), nil, newHandler); err == nil {
		t.Fatal("no error for a bad ADDR")
	}
}

// CheckConfigErrors checks that a four-route receiver refuses to start on
// a configuration it cannot serve safely, without quoting the values.
func CheckConfigErrors(t *testing.T, newHandler NewHandlerFunc) {
	for name, env := range map[string]map[string]string{
		"nothing set":           {},
		"only blanks":           {demo.EnvChecklySecret: " , "},
		"user without password": {demo.EnvDatadogUser: "dd"},
		"password without user": {demo.EnvDatadogPassword: "pw-secret"},
		"users and passwords":   {demo.EnvDatadogUser: "a,b", demo.EnvDatadogPassword: "pw-1,pw-2,pw-3"},
		"control character":     {demo.EnvOnCallAuth: "Bearer tok\x01en"},
		"bad Redis URL":         {demo.EnvChecklySecret: ChecklySecret, demo.EnvRedisURL: "redis://:pw-secret@[::1"},
		"Redis not answering":   {demo.EnvChecklySecret: ChecklySecret, demo.EnvRedisURL: "redis://:pw-secret@127.0.0.1:1/0"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := newHandler(t.Context(), Env(env), slog.New(slog.DiscardHandler))
			if err == nil {
				t.Fatal("no error")
			}
			for _, secret := range []string{"pw-secret", "pw-1", "tok\x01en", ChecklySecret} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes a configured value", err)
				}
			}
		})
	}
}

// CheckRedis runs two replicas of a receiver sharing a real Redis
// (HOOKSEAL_REDIS_URL): every route's flow works, each replica sees what
// the other processed, and when Redis goes away deliveries are refused
// with 503 so the senders retry later.
func CheckRedis(t *testing.T, newHandler NewHandlerFunc) {
	redis := redistest.Start(t) // skipped without redis-server, failed under CI=true
	env := FullEnv()
	env[demo.EnvRedisURL] = redis.URL()
	a, logs := Start(t, newHandler, env)
	b, _ := Start(t, newHandler, env)

	CheckRoutes(t, a, logs)
	CheckReplicas(t, a, b)
	WantLog(t, logs, "dedupe and ordering state in Redis")

	redis.Kill()
	body := ChecklyAlert(t, "ALERT_FAILURE", ID("check"), "API health", time.Now())
	Expect(t, "Redis down", Send(t, a, Checkly(t, ChecklySecret, body)), http.StatusServiceUnavailable, middleware.StoreUnavailable)
}

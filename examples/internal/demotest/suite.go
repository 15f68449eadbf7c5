package demotest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/examples/internal/demo"
	"github.com/hookseal/hookseal/middleware"
)

// CheckRoutes runs, against a receiver configured with FullEnv and served
// at base, every route's flow over real HTTP: a signed delivery is
// processed (and reaches the handler, which logs to logs), the same
// delivery again is a duplicate, and deliveries with a wrong or missing
// credential are refused with 401.
func CheckRoutes(t *testing.T, base string, logs *Buffer) {
	t.Run("checkly", func(t *testing.T) {
		checkID := ID("check")
		start := time.Now().Add(-30 * time.Second)
		body := ChecklyAlert(t, "ALERT_FAILURE", checkID, "API health", start)
		req := Checkly(t, ChecklySecret, body)

		Expect(t, "first delivery", Send(t, base, req), http.StatusOK, middleware.Processed)
		WantLog(t, logs, "checkly alert", checkID)
		Expect(t, "retry of the same delivery", Send(t, base, Checkly(t, ChecklySecret, body)), http.StatusOK, middleware.Duplicate)
		Expect(t, "signed with the old secret, still accepted", Send(t, base,
			Checkly(t, ChecklySecretOld, ChecklyAlert(t, "ALERT_FAILURE_REMAIN", checkID, "API health", start.Add(time.Second)))),
			http.StatusOK, middleware.Processed)

		// The recovery, then the FAILURE retry that lands after it.
		recovery := ChecklyAlert(t, "ALERT_RECOVERY", checkID, "API health", start.Add(10*time.Second))
		Expect(t, "recovery", Send(t, base, Checkly(t, ChecklySecret, recovery)), http.StatusOK, middleware.Processed)
		late := ChecklyAlert(t, "ALERT_FAILURE", checkID, "API health", start.Add(5*time.Second))
		Expect(t, "late failure", Send(t, base, Checkly(t, ChecklySecret, late)), http.StatusOK, middleware.OutOfOrder)

		forged := Checkly(t, "not-the-secret", ChecklyAlert(t, "ALERT_FAILURE", ID("check"), "x", start))
		Expect(t, "wrong secret", Send(t, base, forged), http.StatusUnauthorized, middleware.Unauthenticated)
		unsigned := Checkly(t, ChecklySecret, body)
		unsigned.Header.Del("X-Checkly-Signature")
		Expect(t, "no signature", Send(t, base, unsigned), http.StatusUnauthorized, middleware.Unauthenticated)
		Expect(t, "GET", Do(t, http.MethodGet, base, Request{Path: demo.PathCheckly}), http.StatusMethodNotAllowed, middleware.MethodNotAllowed)
	})

	t.Run("statusstack", func(t *testing.T) {
		comp := ID("comp")
		body := StatusStackComponent(t, comp, "Production API", "operational", "critical", time.Now())
		Expect(t, "first delivery", Send(t, base, StatusStack(t, StatusStackSecret, body)), http.StatusOK, middleware.Processed)
		WantLog(t, logs, "statusstack event", comp)
		Expect(t, "retry", Send(t, base, StatusStack(t, StatusStackSecret, body)), http.StatusOK, middleware.Duplicate)
		Expect(t, "wrong secret", Send(t, base, StatusStack(t, StatusStackSecret+"x", body)), http.StatusUnauthorized, middleware.Unauthenticated)
		stale := StatusStackComponent(t, comp, "Production API", "critical", "operational", time.Now().Add(-time.Hour))
		Expect(t, "an hour old", Send(t, base, StatusStack(t, StatusStackSecret, stale)), http.StatusOK, middleware.Stale)
	})

	t.Run("oncall", func(t *testing.T) {
		group := ID("AG")
		body := OnCallEvent(t, "acknowledge", group, "acknowledged", time.Now())
		Expect(t, "first delivery", Send(t, base, OnCall(OnCallAuth, body)), http.StatusOK, middleware.Processed)
		WantLog(t, logs, "oncall event", group)
		Expect(t, "retry", Send(t, base, OnCall(OnCallAuth, body)), http.StatusOK, middleware.Duplicate)
		Expect(t, "wrong token", Send(t, base, OnCall("Bearer guessed", body)), http.StatusUnauthorized, middleware.Unauthenticated)
		Expect(t, "no token", Send(t, base, OnCall("", body)), http.StatusUnauthorized, middleware.Unauthenticated)
	})

	t.Run("datadog", func(t *testing.T) {
		alert := ID("mon")
		body := DatadogEvent(t, alert, "Triggered", time.Now())
		Expect(t, "first delivery", Send(t, base, Datadog(DatadogUser, DatadogPassword, body)), http.StatusOK, middleware.Processed)
		WantLog(t, logs, "datadog event", alert)
		Expect(t, "retry", Send(t, base, Datadog(DatadogUser, DatadogPassword, body)), http.StatusOK, middleware.Duplicate)
		Expect(t, "wrong password", Send(t, base, Datadog(DatadogUser, "guess", body)), http.StatusUnauthorized, middleware.Unauthenticated)
		Expect(t, "no credentials", Send(t, base, Datadog("", "", body)), http.StatusUnauthorized, middleware.Unauthenticated)
	})

	if s := logs.String(); strings.Contains(s, ChecklySecret) || strings.Contains(s, DatadogPassword) || strings.Contains(s, "oncall-new-token") {
		t.Error("a secret appeared in the logs")
	}
}

// CheckChecklyOnly checks a receiver configured with ChecklyOnlyEnv: the
// Checkly route works, the other three are not mounted (404), even for
// correctly signed deliveries.
func CheckChecklyOnly(t *testing.T, base string) {
	body := ChecklyAlert(t, "ALERT_FAILURE", ID("check"), "API health", time.Now())
	Expect(t, "checkly", Send(t, base, Checkly(t, ChecklySecret, body)), http.StatusOK, middleware.Processed)

	for _, req := range []Request{
		StatusStack(t, StatusStackSecret, StatusStackComponent(t, ID("comp"), "API", "operational", "critical", time.Now())),
		OnCall(OnCallAuth, OnCallEvent(t, "resolve", ID("AG"), "resolved", time.Now())),
		Datadog(DatadogUser, DatadogPassword, DatadogEvent(t, ID("mon"), "Recovered", time.Now())),
	} {
		if got := Send(t, base, req); got.Status != http.StatusNotFound || got.Outcome != "" {
			t.Errorf("%s, not configured: got %d %q, want 404 from the router", req.Path, got.Status, got.Outcome)
		}
	}
}

// WantLog fails t unless a line of logs holds msg and every one of words.
func WantLog(t testing.TB, logs *Buffer, msg string, words ...string) {
	t.Helper()
	if logs == nil {
		return
	}
	for line := range strings.SplitSeq(logs.String(), "\n") {
		if !strings.Contains(line, msg) {
			continue
		}
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return
		}
	}
	t.Errorf("no log line with %q and %q; logs:\n%s", msg, words, logs)
}

// CheckReplicas checks two replicas, served at a and b, that share one
// store (FullEnv plus HOOKSEAL_REDIS_URL): a delivery processed by one is a
// duplicate at the other, and a late FAILURE at one after the RECOVERY was
// processed by the other is out of order.
func CheckReplicas(t *testing.T, a, b string) {
	checkID := ID("check")
	start := time.Now().Add(-time.Minute)
	failure := ChecklyAlert(t, "ALERT_FAILURE", checkID, "API health", start)
	Expect(t, "failure at A", Send(t, a, Checkly(t, ChecklySecret, failure)), http.StatusOK, middleware.Processed)
	Expect(t, "its retry at B", Send(t, b, Checkly(t, ChecklySecret, failure)), http.StatusOK, middleware.Duplicate)
	recovery := ChecklyAlert(t, "ALERT_RECOVERY", checkID, "API health", start.Add(20*time.Second))
	Expect(t, "recovery at B", Send(t, b, Checkly(t, ChecklySecret, recovery)), http.StatusOK, middleware.Processed)
	late := ChecklyAlert(t, "ALERT_FAILURE_REMAIN", checkID, "API health", start.Add(10*time.Second))
	Expect(t, "late failure at A", Send(t, a, Checkly(t, ChecklySecret, late)), http.StatusOK, middleware.OutOfOrder)

	group := ID("AG")
	ack := OnCallEvent(t, "acknowledge", group, "acknowledged", time.Now())
	Expect(t, "oncall at B", Send(t, b, OnCall(OnCallAuth, ack)), http.StatusOK, middleware.Processed)
	Expect(t, "oncall retry at A", Send(t, a, OnCall(OnCallAuth, ack)), http.StatusOK, middleware.Duplicate)
}

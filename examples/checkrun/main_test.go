package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/examples/internal/demo"
	"github.com/hookseal/hookseal/examples/internal/demotest"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

const (
	apiKey   = "dd-api-key-0123456789abcdef"
	hostName = "receiver-1"
)

// fakeDatadog stands in for Datadog's API: it records every check_run
// submission, and answers 202 as Datadog does, or fails the next few.
type fakeDatadog struct {
	*httptest.Server
	mu   sync.Mutex
	got  []string // bodies of accepted and refused submissions, in order
	fail int      // how many of the next submissions to answer 503
	t    *testing.T
}

func newFakeDatadog(t *testing.T) *fakeDatadog {
	dd := &fakeDatadog{t: t}
	dd.Server = httptest.NewServer(http.HandlerFunc(dd.serve))
	t.Cleanup(dd.Close)
	return dd
}

func (dd *fakeDatadog) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/check_run" {
		dd.t.Errorf("Datadog got %s %s", r.Method, r.URL)
		http.NotFound(w, r)
		return
	}
	if got := r.Header.Get("DD-API-KEY"); got != apiKey {
		dd.t.Errorf("DD-API-KEY = %q", got)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		dd.t.Errorf("Content-Type = %q", ct)
	}
	if r.URL.RawQuery != "" {
		dd.t.Errorf("query %q: the key belongs in the header", r.URL.RawQuery)
	}
	b, _ := io.ReadAll(r.Body)
	dd.mu.Lock()
	dd.got = append(dd.got, string(b))
	fail := dd.fail > 0
	if fail {
		dd.fail--
	}
	dd.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"errors":["Service Unavailable"]}`)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"ok"}`)
}

// submissions returns the bodies received so far.
func (dd *fakeDatadog) submissions() []string {
	dd.mu.Lock()
	defer dd.mu.Unlock()
	return append([]string(nil), dd.got...)
}

func (dd *fakeDatadog) failNext(n int) {
	dd.mu.Lock()
	dd.fail = n
	dd.mu.Unlock()
}

func testEnv(dd *fakeDatadog) map[string]string {
	return map[string]string{
		envAPIKey:                 apiKey,
		envAPIURL:                 dd.URL,
		envHostName:               hostName,
		demo.EnvChecklySecret:     demotest.ChecklySecret,
		demo.EnvStatusStackSecret: demotest.StatusStackSecret,
	}
}

func start(t *testing.T, env map[string]string) (string, *demotest.Buffer) {
	t.Helper()
	return demotest.Start(t, newHandler, env)
}

// at is a recent time, whole seconds, as the senders write it.
func at(ago time.Duration) time.Time {
	return time.Now().Add(-ago).UTC().Truncate(time.Second)
}

func checklyBody(alertType, checkID string, startedAt time.Time) []byte {
	return fmt.Appendf(nil, `{"alert_title":"API health %s","alert_type":%q,"check_id":%q,"check_name":"API health",`+
		`"check_type":"API","check_error_message":"expected status 200, got 503","response_time":"1649",`+
		`"result_link":"https://app.checklyhq.com/checks/%s/results/1","run_location":"Frankfurt",`+
		`"started_at":%q,"tags":["prod","api"]}`,
		strings.ToLower(strings.TrimPrefix(alertType, "ALERT_")), alertType, checkID, checkID, startedAt.Format(time.RFC3339))
}

// statusStackIncident is StatusStack's documented component.status_changed
// body: the component went critical and an incident was opened.
func statusStackIncident(ts time.Time) []byte {
	return fmt.Appendf(nil, `{"event":"component.status_changed","timestamp":%q,`+
		`"stack":{"id":"stack_abc123","name":"Production Infrastructure","slug":"production"},`+
		`"component":{"id":"comp_xyz789","name":"Production API","previous_status":"operational","current_status":"critical"},`+
		`"incident":{"id":"inc_123","created_at":%[1]q}}`, ts.Format(time.RFC3339))
}

func statusStackResolved(ts time.Time) []byte {
	return fmt.Appendf(nil, `{"event":"incident.resolved","timestamp":%q,`+
		`"stack":{"id":"stack_abc123","name":"Production Infrastructure","slug":"production"},`+
		`"component":{"id":"comp_xyz789","name":"Production API"},`+
		`"incident":{"id":"inc_123","created_at":%q,"status":"resolved"}}`,
		ts.Format(time.RFC3339), ts.Add(-10*time.Minute).Format(time.RFC3339))
}

// TestCheckRuns sends each kind of event over HTTP and checks the exact
// JSON the receiver submitted to Datadog.
func TestCheckRuns(t *testing.T) {
	dd := newFakeDatadog(t)
	base, logs := start(t, testEnv(dd))

	failedAt, recoveredAt := at(3*time.Minute), at(time.Minute)
	incidentAt, resolvedAt := at(2*time.Minute), at(10*time.Second)
	cases := []struct {
		name string
		req  demotest.Request
		want string
	}{{
		name: "checkly failure",
		req:  demotest.Checkly(t, demotest.ChecklySecret, checklyBody("ALERT_FAILURE", "chk-1", failedAt)),
		want: `[{"check":"hookseal.monitor","host_name":"receiver-1","status":2,"timestamp":` + unix(failedAt) + `,` +
			`"message":"Checkly ALERT_FAILURE: API health failure\nexpected status 200, got 503\nhttps://app.checklyhq.com/checks/chk-1/results/1",` +
			`"tags":["check:API health","provider:checkly"]}]`,
	}, {
		name: "checkly recovery",
		req:  demotest.Checkly(t, demotest.ChecklySecret, checklyBody("ALERT_RECOVERY", "chk-1", recoveredAt)),
		want: `[{"check":"hookseal.monitor","host_name":"receiver-1","status":0,"timestamp":` + unix(recoveredAt) + `,` +
			`"message":"Checkly ALERT_RECOVERY: API health recovery\nexpected status 200, got 503\nhttps://app.checklyhq.com/checks/chk-1/results/1",` +
			`"tags":["check:API health","provider:checkly"]}]`,
	}, {
		name: "statusstack incident",
		req:  demotest.StatusStack(t, demotest.StatusStackSecret, statusStackIncident(incidentAt)),
		want: `[{"check":"hookseal.monitor","host_name":"receiver-1","status":2,"timestamp":` + unix(incidentAt) + `,` +
			`"message":"StatusStack: Production API is critical (was operational) on Production Infrastructure",` +
			`"tags":["component:Production API","provider:statusstack"]}]`,
	}, {
		name: "statusstack resolution",
		req:  demotest.StatusStack(t, demotest.StatusStackSecret, statusStackResolved(resolvedAt)),
		want: `[{"check":"hookseal.monitor","host_name":"receiver-1","status":0,"timestamp":` + unix(resolvedAt) + `,` +
			`"message":"StatusStack incident.resolved: Production API on Production Infrastructure",` +
			`"tags":["component:Production API","provider:statusstack"]}]`,
	}}
	for i, c := range cases {
		demotest.Expect(t, c.name, demotest.Send(t, base, c.req), http.StatusOK, middleware.Processed)
		got := dd.submissions()
		if len(got) != i+1 {
			t.Fatalf("%s: Datadog got %d submissions, want %d", c.name, len(got), i+1)
		}
		if got[i] != c.want {
			t.Errorf("%s: submitted\n%s\nwant\n%s", c.name, got[i], c.want)
		}
		// A sender's retry is answered 200 and not submitted again.
		demotest.Expect(t, c.name+" retried", demotest.Send(t, base, c.req), http.StatusOK, middleware.Duplicate)
	}
	if n := len(dd.submissions()); n != len(cases) {
		t.Errorf("Datadog got %d submissions, want %d", n, len(cases))
	}
	demotest.WantLog(t, logs, "check run submitted", "status=2", "check:API health")
	if strings.Contains(logs.String(), apiKey) {
		t.Error("the API key appeared in the logs")
	}
}

// TestDatadogFailureIsRetried: when Datadog fails, the delivery is answered
// 500 so the sender retries, and the retry is submitted (not taken for a
// duplicate).
func TestDatadogFailureIsRetried(t *testing.T) {
	dd := newFakeDatadog(t)
	base, logs := start(t, testEnv(dd))
	req := demotest.Checkly(t, demotest.ChecklySecret, checklyBody("ALERT_FAILURE", "chk-2", at(time.Minute)))

	dd.failNext(1)
	demotest.Expect(t, "Datadog down", demotest.Send(t, base, req), http.StatusInternalServerError, middleware.HandlerError)
	demotest.Expect(t, "sender's retry", demotest.Send(t, base, req), http.StatusOK, middleware.Processed)
	demotest.Expect(t, "one more", demotest.Send(t, base, req), http.StatusOK, middleware.Duplicate)

	got := dd.submissions()
	if len(got) != 2 || got[0] != got[1] {
		t.Fatalf("Datadog got %q, want the same submission twice", got)
	}
	demotest.WantLog(t, logs, "handler_error", "503 Service Unavailable")
	if strings.Contains(logs.String(), apiKey) {
		t.Error("the API key appeared in the logs")
	}
}

// TestDatadogUnreachable: a Datadog that cannot be reached is a 500 too.
func TestDatadogUnreachable(t *testing.T) {
	dd := newFakeDatadog(t)
	env := testEnv(dd)
	dd.Close()
	base, logs := start(t, env)
	req := demotest.StatusStack(t, demotest.StatusStackSecret, statusStackIncident(at(0)))
	demotest.Expect(t, "Datadog unreachable", demotest.Send(t, base, req), http.StatusInternalServerError, middleware.HandlerError)
	if strings.Contains(logs.String(), apiKey) {
		t.Error("the API key appeared in the logs")
	}
}

// TestLateFailureRetry: Checkly's FAILURE delivery fails (Datadog down),
// the RECOVERY arrives and is submitted, then Checkly's retry of the
// FAILURE lands. It is dropped as out of order: Datadog never sees the
// check go CRITICAL after it recovered.
func TestLateFailureRetry(t *testing.T) {
	dd := newFakeDatadog(t)
	base, _ := start(t, testEnv(dd))
	failure := demotest.Checkly(t, demotest.ChecklySecret, checklyBody("ALERT_FAILURE", "chk-3", at(2*time.Minute)))
	recovery := demotest.Checkly(t, demotest.ChecklySecret, checklyBody("ALERT_RECOVERY", "chk-3", at(time.Minute)))

	dd.failNext(1)
	demotest.Expect(t, "failure, Datadog down", demotest.Send(t, base, failure), http.StatusInternalServerError, middleware.HandlerError)
	demotest.Expect(t, "recovery", demotest.Send(t, base, recovery), http.StatusOK, middleware.Processed)
	demotest.Expect(t, "failure retried late", demotest.Send(t, base, failure), http.StatusOK, middleware.OutOfOrder)

	got := dd.submissions()
	if len(got) != 2 || !strings.Contains(got[0], `"status":2`) || !strings.Contains(got[1], `"status":0`) {
		t.Fatalf("Datadog got %q, want the refused CRITICAL then the OK only", got)
	}
}

func TestNotSubmitted(t *testing.T) {
	dd := newFakeDatadog(t)
	base, _ := start(t, testEnv(dd))
	for name, req := range map[string]demotest.Request{
		"NO_ALERT":  demotest.Checkly(t, demotest.ChecklySecret, checklyBody("NO_ALERT", "chk-4", at(0))),
		"ALERT_SSL": demotest.Checkly(t, demotest.ChecklySecret, checklyBody("ALERT_SSL", "chk-5", at(0))),
		"maintenance.scheduled": demotest.StatusStack(t, demotest.StatusStackSecret, fmt.Appendf(nil,
			`{"event":"maintenance.scheduled","timestamp":%q,"stack":{"id":"s"},"maintenance":{"id":"mnt_1"}}`, at(0).Format(time.RFC3339))),
	} {
		demotest.Expect(t, name, demotest.Send(t, base, req), http.StatusOK, middleware.Unhandled)
	}
	body := checklyBody("ALERT_FAILURE", "chk-6", at(0))
	demotest.Expect(t, "forged", demotest.Send(t, base, demotest.Checkly(t, "guessed", body)), http.StatusUnauthorized, middleware.Unauthenticated)
	unsigned := demotest.Request{Path: demo.PathStatusStack, Header: http.Header{"Content-Type": {"application/json"}}, Body: statusStackIncident(at(0))}
	demotest.Expect(t, "unsigned", demotest.Send(t, base, unsigned), http.StatusUnauthorized, middleware.Unauthenticated)
	if got := dd.submissions(); len(got) != 0 {
		t.Errorf("Datadog got %q, want nothing", got)
	}
}

func TestUnconfiguredRouteIsNotMounted(t *testing.T) {
	dd := newFakeDatadog(t)
	env := testEnv(dd)
	delete(env, demo.EnvStatusStackSecret)
	env[demo.EnvOnCallAuth] = demotest.OnCallAuth // not this example's route
	base, _ := start(t, env)

	demotest.Expect(t, "checkly", demotest.Send(t, base,
		demotest.Checkly(t, demotest.ChecklySecret, checklyBody("ALERT_FAILURE", "chk-7", at(0)))), http.StatusOK, middleware.Processed)
	for _, req := range []demotest.Request{
		demotest.StatusStack(t, demotest.StatusStackSecret, statusStackIncident(at(0))),
		demotest.OnCall(demotest.OnCallAuth, demotest.OnCallEvent(t, "resolve", "AG1", "resolved", at(0))),
	} {
		if got := demotest.Send(t, base, req); got.Status != http.StatusNotFound {
			t.Errorf("%s: got %d %q, want 404", req.Path, got.Status, got.Outcome)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	ok := map[string]string{
		envAPIKey:             apiKey,
		demo.EnvChecklySecret: demotest.ChecklySecret,
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for k, v := range ok {
			m[k] = v
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for name, env := range map[string]map[string]string{
		"no API key":        with(envAPIKey, ""),
		"no route":          with(demo.EnvChecklySecret, ""),
		"http to a network": with(envAPIURL, "http://api.datadoghq.com"),
		"not a base URL":    with(envAPIURL, "https://api.datadoghq.com/?api_key=x"),
		"key in the URL":    with(envAPIURL, "https://user:pw@api.datadoghq.com"),
		"relative URL":      with(envAPIURL, "api.datadoghq.com"),
		"other scheme":      with(envAPIURL, "ftp://api.datadoghq.com"),
		"bad Redis URL":     with(demo.EnvRedisURL, "not-a-url"),
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := newHandler(t.Context(), demotest.Env(env), slog.New(slog.DiscardHandler)); err == nil {
				t.Fatal("no error")
			} else if strings.Contains(err.Error(), apiKey) {
				t.Errorf("error %q quotes the API key", err)
			}
		})
	}
	for _, u := range []string{"https://api.datadoghq.eu", "https://api.us5.datadoghq.com/", "http://127.0.0.1:8126", "http://localhost:1", "http://[::1]:2"} {
		if err := checkAPIURL(u); err != nil {
			t.Errorf("checkAPIURL(%q): %v", u, err)
		}
	}
}

// TestServer runs the real server, as main does, on a loopback port.
func TestServer(t *testing.T) {
	dd := newFakeDatadog(t)
	demotest.CheckServer(t, newHandler, testEnv(dd), func(t *testing.T, base string) {
		req := demotest.StatusStack(t, demotest.StatusStackSecret, statusStackIncident(at(0)))
		demotest.Expect(t, "delivery", demotest.Send(t, base, req), http.StatusOK, middleware.Processed)
		if n := len(dd.submissions()); n != 1 {
			t.Errorf("Datadog got %d submissions, want 1", n)
		}
	})
	demotest.CheckBadAddr(t, newHandler, testEnv(dd))
}

// TestRedis runs two replicas sharing a real Redis: Checkly's FAILURE
// fails at replica A (Datadog down), the RECOVERY is submitted by replica
// B, and the FAILURE's retry, back at A, is dropped as out of order; a
// delivery submitted by one replica is a duplicate at the other.
func TestRedis(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t)
	dd := newFakeDatadog(t)
	env := testEnv(dd)
	env[demo.EnvRedisURL] = redis.URL()
	a, _ := start(t, env)
	b, _ := start(t, env)

	check := demotest.ID("chk")
	failure := demotest.Checkly(t, demotest.ChecklySecret, checklyBody("ALERT_FAILURE", check, at(2*time.Minute)))
	recovery := demotest.Checkly(t, demotest.ChecklySecret, checklyBody("ALERT_RECOVERY", check, at(time.Minute)))
	dd.failNext(1)
	demotest.Expect(t, "failure at A, Datadog down", demotest.Send(t, a, failure), http.StatusInternalServerError, middleware.HandlerError)
	demotest.Expect(t, "recovery at B", demotest.Send(t, b, recovery), http.StatusOK, middleware.Processed)
	demotest.Expect(t, "recovery's retry at A", demotest.Send(t, a, recovery), http.StatusOK, middleware.Duplicate)
	demotest.Expect(t, "failure's retry at A", demotest.Send(t, a, failure), http.StatusOK, middleware.OutOfOrder)

	got := dd.submissions()
	if len(got) != 2 || !strings.Contains(got[1], `"status":0`) {
		t.Fatalf("Datadog got %q, want the refused CRITICAL then the OK only", got)
	}
}

func unix(t time.Time) string { return fmt.Sprint(t.Unix()) }

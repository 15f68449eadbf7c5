// Package demotest holds what the examples' tests share: the environment
// they configure a receiver with, senders' requests signed the way each
// sender signs them, and one set of checks every receiver (net/http, echo,
// gin) must pass over real HTTP.
package demotest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/examples/internal/demo"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// Secrets the tests configure. Each HMAC route and OnCall gets two values
// (a rotation in progress); requests are signed with the second so the
// rotation is exercised.
const (
	ChecklySecretOld     = "checkly-old-secret"
	ChecklySecret        = "checkly-new-secret"
	StatusStackSecretOld = "statusstack-old-secret"
	StatusStackSecret    = "statusstack-new-secret"
	OnCallAuthOld        = "Bearer oncall-old-token"
	OnCallAuth           = "Bearer oncall-new-token"
	DatadogUser          = "datadog"
	DatadogPasswordOld   = "old-password"
	DatadogPassword      = "new-password"
)

// Env returns an environment lookup over vars, like os.Getenv.
func Env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// FullEnv configures all four routes, each with two secrets.
func FullEnv() map[string]string {
	return map[string]string{
		demo.EnvChecklySecret:     ChecklySecretOld + "," + ChecklySecret,
		demo.EnvStatusStackSecret: StatusStackSecretOld + ", " + StatusStackSecret,
		demo.EnvOnCallAuth:        OnCallAuthOld + "," + OnCallAuth,
		demo.EnvDatadogUser:       DatadogUser,
		demo.EnvDatadogPassword:   DatadogPasswordOld + "," + DatadogPassword,
	}
}

// ChecklyOnlyEnv configures the Checkly route alone.
func ChecklyOnlyEnv() map[string]string {
	return map[string]string{demo.EnvChecklySecret: ChecklySecret}
}

// ID returns a random identifier, so deliveries from different tests (or
// runs against one Redis) never collide.
func ID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// Request is one delivery as a sender would make it.
type Request struct {
	Path   string
	Header http.Header
	Body   []byte
}

// Response is what the receiver answered.
type Response struct {
	Status  int
	Outcome string
	Body    string
}

// Send posts req to base over HTTP and returns the answer.
func Send(t testing.TB, base string, req Request) Response {
	t.Helper()
	return Do(t, http.MethodPost, base, req)
}

// Do sends req with the given method.
func Do(t testing.TB, method, base string, req Request) Response {
	t.Helper()
	r, err := http.NewRequestWithContext(t.Context(), method, base+req.Path, bytes.NewReader(req.Body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range req.Header {
		r.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, req.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return Response{Status: resp.StatusCode, Outcome: resp.Header.Get(middleware.OutcomeHeader), Body: string(b)}
}

// Expect fails t unless got has the status and outcome wanted.
func Expect(t testing.TB, what string, got Response, status int, outcome middleware.Outcome) {
	t.Helper()
	if got.Status != status || got.Outcome != string(outcome) {
		t.Errorf("%s: got %d %q, want %d %q (body %q)", what, got.Status, got.Outcome, status, outcome, got.Body)
	}
}

func jsonBody(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ChecklyAlert returns a Checkly alert body as the recommended template
// renders it (every value a string).
func ChecklyAlert(t testing.TB, alertType, checkID, checkName string, startedAt time.Time) []byte {
	t.Helper()
	return jsonBody(t, map[string]string{
		"alert_title":         checkName + " " + strings.ToLower(strings.TrimPrefix(alertType, "ALERT_")),
		"alert_type":          alertType,
		"check_id":            checkID,
		"check_name":          checkName,
		"check_type":          "API",
		"check_error_message": "",
		"response_time":       "1649",
		"run_location":        "Frankfurt",
		"started_at":          startedAt.UTC().Format(time.RFC3339),
		"tags":                "",
	})
}

// Checkly signs body as Checkly does, under secret, stamped now.
func Checkly(t testing.TB, secret string, body []byte) Request {
	t.Helper()
	h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: time.Now()}, secret)
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	return Request{Path: demo.PathCheckly, Header: h, Body: body}
}

// StatusStackComponent returns a component.status_changed body, in the
// shape StatusStack documents, stamped at ts.
func StatusStackComponent(t testing.TB, componentID, componentName, previous, current string, ts time.Time) []byte {
	t.Helper()
	return jsonBody(t, map[string]any{
		"event":     "component.status_changed",
		"timestamp": ts.UTC().Format(time.RFC3339),
		"stack":     map[string]string{"id": "stack_abc123", "name": "Production Infrastructure", "slug": "production"},
		"component": map[string]string{
			"id": componentID, "name": componentName,
			"previous_status": previous, "current_status": current,
		},
	})
}

// StatusStack signs body as StatusStack does, under secret. Its time is the
// body's own (signed) timestamp.
func StatusStack(t testing.TB, secret string, body []byte) Request {
	t.Helper()
	h, err := verify.StatusStackScheme().Sign(body, verify.SignOptions{}, secret)
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	return Request{Path: demo.PathStatusStack, Header: h, Body: body}
}

// OnCallEvent returns an OnCall forward-all body for an action on an alert
// group at ts.
func OnCallEvent(t testing.TB, eventType, groupID, state string, ts time.Time) []byte {
	t.Helper()
	return jsonBody(t, map[string]any{
		"event": map[string]string{"type": eventType, "time": ts.UTC().Format(time.RFC3339Nano)},
		"user":  map[string]string{"id": "UK49JJNPZMFLJ", "username": "oncall", "email": "admin@localhost"},
		"alert_group": map[string]any{
			"id": groupID, "integration_id": "CRV8A5MXC751A", "alerts_count": 1, "state": state,
			"created_at": ts.Add(-time.Minute).UTC().Format(time.RFC3339Nano),
			"title":      "[firing:1] InstanceDown",
			"permalinks": map[string]any{"slack": nil, "telegram": nil, "web": "http://localhost:3000/a/grafana-oncall-app/alert-groups/" + groupID},
		},
		"alert_group_id": groupID,
		"alert_payload":  "",
		"integration":    map[string]any{"id": "CRV8A5MXC751A", "type": "alertmanager", "name": "Alertmanager", "team": nil},
		"notified_users": []any{}, "users_to_be_notified": []any{},
	})
}

// OnCall sends body with the Authorization header OnCall copies from its
// setting.
func OnCall(authorization string, body []byte) Request {
	h := http.Header{"Content-Type": {"application/json"}}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	return Request{Path: demo.PathOnCall, Header: h, Body: body}
}

// DatadogEvent returns a Datadog webhook body in the shape of
// datadog.RecommendedPayload (every value a string, dates in epoch
// milliseconds).
func DatadogEvent(t testing.TB, alertID, transition string, ts time.Time) []byte {
	t.Helper()
	ms := ts.UnixMilli()
	return jsonBody(t, map[string]any{
		"id": ID("evt"), "event_type": "query_alert_monitor", "title": "[Triggered] CPU high",
		"body": "CPU above 90%", "date": itoa(ms), "last_updated": itoa(ms),
		"org":      map[string]string{"id": "1234", "name": "Example"},
		"alert_id": alertID, "alert_title": "CPU high", "alert_transition": transition,
		"alert_type": "error", "alert_cycle_key": alertID + "-cycle", "hostname": "web-1", "tags": "env:prod,team:core",
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Datadog sends body with HTTP Basic credentials, as Datadog does for a
// webhook URL with user:pass@.
func Datadog(user, password string, body []byte) Request {
	h := http.Header{"Content-Type": {"application/json"}}
	if user != "" {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	}
	return Request{Path: demo.PathDatadog, Header: h, Body: body}
}

// Buffer is a bytes.Buffer safe for the concurrent writes of a logger and
// reads of a test.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

package middleware_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	stdjson "encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// The pipeline benchmarks compare a hookseal route (verify, decode into the
// provider type, claim and commit in the memory store, no-op handler,
// answer) with the floor: a bare net/http handler that reads the body,
// checks the same HMAC by hand and decodes with encoding/json into plain
// structs. Sub-benchmarks are named <payload>/hookseal and <payload>/floor
// so `make bench` can print their ratio; "decode-only" isolates what
// decoding alone allocates, so allocs/op beyond decoding can be read off.
//
// Every iteration sends one of 256 distinct deliveries. The dedupe window
// is a nanosecond, so a body seen 256 iterations ago is claimed afresh: each
// iteration pays a full claim and commit, as a new delivery would.

const benchSecret = "bench-secret-0123456789abcdef"

func BenchmarkPipeline(b *testing.B) {
	cases := []struct {
		name   string
		bodies [][]byte
		route  func(b *testing.B) http.Handler
		floor  func([]byte) error
		decode func([]byte) error
	}{
		{
			name:   "checkly-2KiB",
			bodies: distinct(checklyBody2K),
			route:  func(b *testing.B) http.Handler { return benchRoute[checkly.Alert](b) },
			floor: func(body []byte) error {
				var a plainChecklyAlert
				return stdjson.Unmarshal(body, &a)
			},
			decode: func(body []byte) error {
				var a checkly.Alert
				return event.Decode("application/json", body, &a)
			},
		},
		{
			name:   "oncall-16KiB",
			bodies: distinct(oncallBody16K),
			route:  func(b *testing.B) http.Handler { return benchRoute[oncall.Event](b) },
			floor: func(body []byte) error {
				var e plainOnCallEvent
				return stdjson.Unmarshal(body, &e)
			},
			decode: func(body []byte) error {
				var e oncall.Event
				return event.Decode("application/json", body, &e)
			},
		},
	}
	for _, tc := range cases {
		reqs := signedRequests(b, tc.bodies)
		b.Run(tc.name+"/hookseal", func(b *testing.B) {
			runPipeline(b, tc.route(b), reqs)
		})
		b.Run(tc.name+"/floor", func(b *testing.B) {
			runPipeline(b, floorHandler(tc.floor), reqs)
		})
		b.Run(tc.name+"/decode-only", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.bodies[0])))
			i := 0
			for b.Loop() {
				if err := tc.decode(tc.bodies[i%len(tc.bodies)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func benchRoute[T any](b *testing.B) http.Handler {
	b.Helper()
	v, err := verify.Checkly(verify.Secrets(benchSecret))
	if err != nil {
		b.Fatal(err)
	}
	// Every request is a new delivery; a window of a nanosecond keeps the
	// memory store from filling over millions of iterations, and the
	// invariant that the window outlasts the accepted signed age then needs
	// freshness off (it is two time comparisons; the floor skips it too).
	h, err := middleware.NewRoute(v, func(context.Context, middleware.Event[T]) error { return nil },
		middleware.WithoutFreshness(), middleware.WithDedupeWindow(time.Nanosecond))
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// floorHandler is what a careful receiver writes by hand without hookseal.
func floorHandler(decode func([]byte) error) http.Handler {
	secret := []byte(benchSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		sig, err := hex.DecodeString(r.Header.Get("X-Checkly-Signature"))
		m := hmac.New(sha256.New, secret)
		m.Write(body)
		if err != nil || !hmac.Equal(m.Sum(nil), sig) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if err := decode(body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

type benchRequest struct {
	req  *http.Request
	body []byte
}

func signedRequests(b *testing.B, bodies [][]byte) []benchRequest {
	b.Helper()
	s := verify.ChecklyScheme()
	u := &url.URL{Scheme: "http", Host: "127.0.0.1", Path: "/hook"}
	out := make([]benchRequest, len(bodies))
	for i, body := range bodies {
		h, err := s.Sign(body, verify.SignOptions{Timestamp: time.Now()}, benchSecret)
		if err != nil {
			b.Fatal(err)
		}
		h.Set("Content-Type", "application/json")
		out[i] = benchRequest{
			req:  &http.Request{Method: http.MethodPost, URL: u, Header: h, ContentLength: int64(len(body)), Host: u.Host},
			body: body,
		}
	}
	return out
}

// resettableBody lets an iteration reuse one request and one body reader,
// so the harness itself allocates nothing and allocs/op is the handler's.
type resettableBody struct{ bytes.Reader }

func (*resettableBody) Close() error { return nil }

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

func runPipeline(b *testing.B, h http.Handler, reqs []benchRequest) {
	w := &discardWriter{h: http.Header{}}
	rb := &resettableBody{}
	b.ReportAllocs()
	b.SetBytes(int64(len(reqs[0].body)))
	i := 0
	for b.Loop() {
		br := reqs[i%len(reqs)]
		i++
		rb.Reset(br.body)
		br.req.Body = rb
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, br.req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d, outcome %q", w.status, w.h.Get(middleware.OutcomeHeader))
		}
		if o := w.h.Get(middleware.OutcomeHeader); o != "" && o != string(middleware.Processed) {
			b.Fatalf("outcome %q: every iteration must be a new delivery", o)
		}
	}
}

// distinct returns 256 bodies that differ in a field the payload carries.
func distinct(gen func(i int) []byte) [][]byte {
	out := make([][]byte, 256)
	for i := range out {
		out[i] = gen(i)
	}
	return out
}

// checklyBody2K is Checkly's recommended template rendered with realistic
// values: about 2 KiB, every variable present, numbers and booleans as the
// template sends them.
func checklyBody2K(i int) []byte {
	body := fmt.Sprintf(`{
  "alert_title": "API health check failed",
  "alert_type": "ALERT_FAILURE",
  "check_id": "0d7c7c4e-4e8c-4f5a-9d4e-2b7f0a6c%04x",
  "check_name": "Checkout API",
  "check_type": "API",
  "check_result_id": "7a3d1f0e-5b2c-4c8e-9f1a-%012x",
  "check_error_message": "Expected status code 200 but received 503 Service Unavailable from https://api.example.com/v1/checkout/health after 3 attempts; upstream returned: no healthy upstream",
  "check_description": "Calls the checkout API's health endpoint every minute from three regions and asserts a 200 within 2 s.",
  "group_name": "Production APIs",
  "response_time": 1649,
  "result_link": "https://app.checklyhq.com/checks/0d7c7c4e-4e8c-4f5a-9d4e-2b7f0a6c1e11/check-sessions/7a3d1f0e",
  "run_location": "Frankfurt",
  "region": "eu-central-1",
  "started_at": "2026-11-23T10:30:00.000Z",
  "tags": ["api", "prod", "checkout", "tier-1"],
  "is_reminder": false,
  "reminder_sequence": 0,
  "api_check_response_status_code": 503,
  "api_check_response_status_text": "Service Unavailable",
  "ssl_check_domain": "api.example.com",
  "ssl_days_remaining": 43,
  "ai_analysis_classification": "infrastructure",
  "ai_analysis_code_fix": "",
  "ai_analysis_link": "https://app.checklyhq.com/checks/0d7c7c4e-4e8c-4f5a-9d4e-2b7f0a6c1e11/ai-analysis",
  "ai_analysis_root_cause": "The load balancer in eu-central-1 reported no healthy upstream for the checkout service; the previous deployment's readiness probe started failing at 10:28 UTC and all three replicas were removed from rotation.",
  "ai_analysis_user_impact": "Customers in Europe cannot complete purchases; carts are kept, payments are not attempted. Other regions are unaffected according to the same check's runs from us-east-1 and ap-southeast-1."
}`, i, i)
	return []byte(body)
}

// plainChecklyAlert is the floor's struct: the same members in the types
// the body above uses, with no leniency (it could not take "1649" as a
// string, or tags as "a,b").
type plainChecklyAlert struct {
	AlertTitle         string   `json:"alert_title"`
	AlertType          string   `json:"alert_type"`
	CheckID            string   `json:"check_id"`
	CheckName          string   `json:"check_name"`
	CheckType          string   `json:"check_type"`
	CheckResultID      string   `json:"check_result_id"`
	CheckErrorMessage  string   `json:"check_error_message"`
	CheckDescription   string   `json:"check_description"`
	GroupName          string   `json:"group_name"`
	ResponseTime       int      `json:"response_time"`
	ResultLink         string   `json:"result_link"`
	RunLocation        string   `json:"run_location"`
	Region             string   `json:"region"`
	StartedAt          string   `json:"started_at"`
	Tags               []string `json:"tags"`
	IsReminder         bool     `json:"is_reminder"`
	ReminderSequence   int      `json:"reminder_sequence"`
	ResponseStatusCode int      `json:"api_check_response_status_code"`
	ResponseStatusText string   `json:"api_check_response_status_text"`
	SSLCheckDomain     string   `json:"ssl_check_domain"`
	SSLDaysRemaining   int      `json:"ssl_days_remaining"`
	AIClassification   string   `json:"ai_analysis_classification"`
	AICodeFix          string   `json:"ai_analysis_code_fix"`
	AILink             string   `json:"ai_analysis_link"`
	AIRootCause        string   `json:"ai_analysis_root_cause"`
	AIUserImpact       string   `json:"ai_analysis_user_impact"`
}

// oncallBody16K is a Grafana OnCall "alert group created" event shaped as
// OnCall sends it, whose alert_payload carries 30 Alertmanager alerts:
// about 16 KiB.
func oncallBody16K(i int) []byte {
	var alerts strings.Builder
	for k := range 30 {
		if k > 0 {
			alerts.WriteString(",")
		}
		fmt.Fprintf(&alerts, `{"endsAt":"0001-01-01T00:00:00Z","labels":{"job":"node","group":"production","instance":"host-%03d:9100","severity":"critical","alertname":"InstanceDown"},"status":"firing","startsAt":"2026-11-23T08:24:38.326Z","annotations":{"title":"Instance host-%03d:9100 down","description":"host-%03d:9100 of job node has been down for more than 1 minute."},"fingerprint":"f404ecabc8dd%04x","generatorURL":""}`, k, k, k, k)
	}
	body := fmt.Sprintf(`{"event":{"type":"alert group created","time":"2026-11-23T10:30:00.000000Z"},
"user":null,
"alert_group":{"id":"IRFN6ZD31N%04X","integration_id":"CRBGVFR4WX2EX","route_id":"RHLVKEN9HJ3AJ","alerts_count":30,"state":"firing","created_at":"2026-11-23T10:29:58.000000Z","resolved_at":null,"resolved_by":null,"acknowledged_at":null,"acknowledged_by":null,"silenced_at":null,"title":"[firing:30] InstanceDown","permalinks":{"slack":null,"slack_app":null,"telegram":null,"web":"https://oncall.example.com/a/grafana-oncall-app/alert-groups/IRFN6ZD31N"},"labels":{"severity":"critical","team":"infra"}},
"alert_group_id":"IRFN6ZD31N%04X",
"alert_payload":{"alerts":[%s],"status":"firing","version":"4","groupKey":"{}:{alertname=\"InstanceDown\"}","receiver":"oncall","externalURL":"https://grafana.example.com"},
"integration":{"id":"CRBGVFR4WX2EX","type":"alertmanager","name":"Production Alertmanager","team":null,"labels":[{"key":{"id":"k1","name":"env"},"value":{"id":"v1","name":"prod"}}]},
"notified_users":[],"users_to_be_notified":[{"id":"U1","username":"alice","email":"alice@example.com"}],
"responses":{},
"external_id":""}`, i, i, alerts.String())
	return []byte(body)
}

type plainOnCallUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

// plainOnCallEvent is the floor's struct for the OnCall event, with labels
// and alert_payload left raw as a careful hand-written receiver would.
type plainOnCallEvent struct {
	Event struct {
		Type string     `json:"type"`
		Time *time.Time `json:"time"`
	} `json:"event"`
	User       *plainOnCallUser `json:"user"`
	AlertGroup struct {
		ID             string             `json:"id"`
		IntegrationID  string             `json:"integration_id"`
		RouteID        string             `json:"route_id"`
		AlertsCount    int                `json:"alerts_count"`
		State          string             `json:"state"`
		CreatedAt      *time.Time         `json:"created_at"`
		ResolvedAt     *time.Time         `json:"resolved_at"`
		ResolvedBy     *string            `json:"resolved_by"`
		AcknowledgedAt *time.Time         `json:"acknowledged_at"`
		AcknowledgedBy *string            `json:"acknowledged_by"`
		SilencedAt     *time.Time         `json:"silenced_at"`
		Title          string             `json:"title"`
		Labels         stdjson.RawMessage `json:"labels"`
		Permalinks     struct {
			Slack    *string `json:"slack"`
			SlackApp *string `json:"slack_app"`
			Telegram *string `json:"telegram"`
			Web      string  `json:"web"`
		} `json:"permalinks"`
	} `json:"alert_group"`
	AlertGroupID string             `json:"alert_group_id"`
	AlertPayload stdjson.RawMessage `json:"alert_payload"`
	Integration  struct {
		ID     string             `json:"id"`
		Type   string             `json:"type"`
		Name   string             `json:"name"`
		Team   *string            `json:"team"`
		Labels stdjson.RawMessage `json:"labels"`
	} `json:"integration"`
	NotifiedUsers     []plainOnCallUser             `json:"notified_users"`
	UsersToBeNotified []plainOnCallUser             `json:"users_to_be_notified"`
	Responses         map[string]stdjson.RawMessage `json:"responses"`
	ExternalID        string                        `json:"external_id"`
}

// BenchmarkPipelineGarbage reports the garbage one request leaves
// (B/op) for bodies of 1 KiB, 64 KiB and 1 MiB: the body is read into a
// pooled buffer, so what remains is about one copy of the body (the decoded
// payload's strings, which must outlive the buffer) plus a fixed overhead.
func BenchmarkPipelineGarbage(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1KiB", 1 << 10}, {"64KiB", 64 << 10}, {"1MiB", 1<<20 - 1<<10}} {
		bodies := distinct(func(i int) []byte { return paddedAlert(i, size.n) })
		reqs := signedRequests(b, bodies)
		b.Run("size="+size.name, func(b *testing.B) {
			h := benchRoute[checkly.Alert](b)
			runPipeline(b, h, reqs)
			b.ReportMetric(float64(len(bodies[0])), "body-bytes")
		})
	}
}

// paddedAlert is a Checkly alert of n bytes, padded in its error message.
func paddedAlert(i, n int) []byte {
	head := fmt.Sprintf(`{"alert_type":"ALERT_FAILURE","check_id":"check-%04x","started_at":"2026-11-23T10:30:00Z","check_error_message":"`, i)
	const tail = `"}`
	pad := n - len(head) - len(tail)
	return []byte(head + strings.Repeat("e", max(pad, 0)) + tail)
}

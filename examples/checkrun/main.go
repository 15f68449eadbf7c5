// Command checkrun turns Checkly alerts and StatusStack notifications into
// Datadog service checks: each state change becomes a check run submitted
// to Datadog's check_run API, so a Datadog "check status" widget or a
// service check monitor shows, per Checkly check and per StatusStack
// component, whether it is OK, WARNING or CRITICAL right now.
//
//	POST /webhooks/checkly      Checkly alert webhooks
//	POST /webhooks/statusstack  StatusStack notifications
//
// Each delivery is authenticated and deduplicated by hookseal before a check
// run is submitted, and ordered per check and per component: the late
// FAILURE retry that lands after its RECOVERY is dropped (answered 200,
// outcome out_of_order) instead of turning the check CRITICAL again. When
// Datadog cannot be reached or refuses the submission, the delivery is
// answered 500 and the sender retries it; the retry is processed, not taken
// for a duplicate.
//
// # What is submitted
//
// POST {DATADOG_API_URL}/api/v1/check_run, header DD-API-KEY, body:
//
//	[{"check":"hookseal.monitor","host_name":"<DATADOG_HOST_NAME>","status":2,
//	  "timestamp":<unix seconds>,"message":"Checkly ALERT_FAILURE: ...",
//	  "tags":["check:<CHECK_NAME>","provider:checkly"]}]
//
// The body is a JSON array of check runs, as Datadog's API reference
// specifies (its older webhook guide posts a single object); Datadog
// answers 202. Redirects are not followed, so the key never leaves for
// another host.
//
// Statuses (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN):
//
//	Checkly ALERT_RECOVERY, ALERT_DEGRADED_RECOVERY                        0 OK
//	Checkly ALERT_DEGRADED, ALERT_DEGRADED_REMAIN, ALERT_FAILURE_DEGRADED  1 WARNING
//	Checkly ALERT_FAILURE, ALERT_FAILURE_REMAIN, ALERT_DEGRADED_FAILURE    2 CRITICAL
//	Checkly NO_ALERT, ALERT_SSL                                            not submitted
//	StatusStack component.status_changed to operational                   0 OK
//	StatusStack component.status_changed to degraded                      1 WARNING
//	StatusStack component.status_changed to critical                      2 CRITICAL
//	StatusStack component.status_changed to maintenance                   3 UNKNOWN
//	StatusStack incident.resolved, monitor.recovered                      0 OK
//	StatusStack incident.created, monitor.down                            2 CRITICAL
//	StatusStack incident.updated, maintenance.scheduled                   not submitted
//
// Events that are not submitted are answered 200 with outcome unhandled.
// Checkly runs are tagged check:<CHECK_NAME>, StatusStack runs
// component:<component name> (monitor:<name> or incident:<id> for events
// without a component), each with provider:<sender>; Datadog normalises
// tags as it stores them (check:API health becomes check:api_health). The
// timestamp is the
// event's own (Checkly's STARTED_AT, StatusStack's signed timestamp), or the
// time of arrival when it is missing, in the future, or older than the 10
// minutes Datadog accepts. Messages are cut at Datadog's 500 characters.
//
// # Configuration
//
//	DD_API_KEY                  Datadog API key (required; sent only in the
//	                            DD-API-KEY header, never logged)
//	DATADOG_API_URL             API base URL for your Datadog site (default
//	                            https://api.datadoghq.com; e.g. https://api.datadoghq.eu,
//	                            https://api.us5.datadoghq.com). Plain http only to loopback.
//	DATADOG_CHECK_NAME          service check name (default hookseal.monitor)
//	DATADOG_HOST_NAME           host_name of the check runs (default: this machine's name)
//	CHECKLY_WEBHOOK_SECRET      Checkly webhook secret(s), comma-separated while rotating
//	STATUSSTACK_WEBHOOK_SECRET  StatusStack webhook secret(s)
//	HOOKSEAL_REDIS_URL          redis://... to share dedupe and ordering state
//	                            between replicas (default: in memory)
//	ADDR                        listen address (default 127.0.0.1:8080)
//
// A route whose secret is unset is not mounted (404); at least one must be
// set.
//
// # Running it
//
// From the examples directory (the module github.com/hookseal/hookseal/examples):
//
//	DD_API_KEY=... CHECKLY_WEBHOOK_SECRET=checkly-secret go run ./checkrun
//
// then point a Checkly webhook channel at http://<host>/webhooks/checkly
// with the same secret and the body template from
// checkly.RecommendedTemplate. To try it by hand, sign a body with the
// hookseal command (go run github.com/hookseal/hookseal/cmd/hookseal sign
// --provider checkly --secret checkly-secret < body.json > headers.txt, then
// curl --data-binary @body.json -H @headers.txt; see its -h) or with
// openssl, and post it with curl:
//
//	body='{"alert_type":"ALERT_FAILURE","check_id":"c-1","check_name":"API health","started_at":"'$(date -u +%FT%TZ)'"}'
//	sig=$(printf %s "$body" | openssl dgst -sha256 -hmac checkly-secret | awk '{print $NF}')
//	curl -i http://127.0.0.1:8080/webhooks/checkly -H 'Content-Type: application/json' \
//	  -H "X-Checkly-Signature: $sig" -H "X-Checkly-Timestamp: $(date -u +%s)" -d "$body"
//
// and look for the check "hookseal.monitor" tagged check:API health in
// Datadog.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/statusstack"
	"github.com/hookseal/hookseal/examples/internal/demo"
	"github.com/hookseal/hookseal/middleware"
)

// Environment variables of this example, besides the shared ones in demo.
const (
	envAPIKey    = "DD_API_KEY"
	envAPIURL    = "DATADOG_API_URL"
	envCheckName = "DATADOG_CHECK_NAME"
	envHostName  = "DATADOG_HOST_NAME"

	defaultAPIURL    = "https://api.datadoghq.com"
	defaultCheckName = "hookseal.monitor"
)

func main() {
	demo.Main("checkrun", newHandler)
}

// forwarder is the application: typed events in, check runs out.
type forwarder struct {
	m   mapper
	dd  *datadogClient
	log *slog.Logger
}

func (f *forwarder) checkly(ctx context.Context, e middleware.Event[checkly.Alert]) error {
	r, ok := f.m.fromCheckly(&e.Payload, e.Delivery)
	if !ok {
		return middleware.ErrUnhandled
	}
	return f.submit(ctx, r)
}

func (f *forwarder) statusStack(ctx context.Context, e middleware.Event[statusstack.Event]) error {
	r, ok := f.m.fromStatusStack(&e.Payload)
	if !ok {
		return middleware.ErrUnhandled
	}
	return f.submit(ctx, r)
}

func (f *forwarder) submit(ctx context.Context, r checkRun) error {
	if err := f.dd.submit(ctx, r); err != nil {
		return err // 500: the sender retries, and the retry is processed
	}
	f.log.LogAttrs(ctx, slog.LevelInfo, "check run submitted",
		slog.String("check", r.Check), slog.Int("status", r.Status), slog.Any("tags", r.Tags))
	return nil
}

// newHandler builds the receiver from the environment. The returned func
// closes the shared store, if any.
func newHandler(ctx context.Context, env func(string) string, log *slog.Logger) (http.Handler, func() error, error) {
	f, err := newForwarder(env, log)
	if err != nil {
		return nil, nil, err
	}
	// Only the two senders this example forwards; the other routes'
	// variables are none of its business.
	vs, err := demo.VerifiersFromEnv(func(k string) string {
		if k == demo.EnvChecklySecret || k == demo.EnvStatusStackSecret {
			return env(k)
		}
		return ""
	})
	if err != nil {
		return nil, nil, err
	}
	if vs.Checkly == nil && vs.StatusStack == nil {
		return nil, nil, fmt.Errorf("no route configured: set %s, %s or both", demo.EnvChecklySecret, demo.EnvStatusStackSecret)
	}
	st, closeStore, err := demo.StoreFromEnv(ctx, env, log)
	if err != nil {
		return nil, nil, err
	}
	opts := demo.RouteOptions(log, st)

	mux := http.NewServeMux()
	var errs []error
	mount := func(path string, h http.Handler, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			return
		}
		mux.Handle(path, h)
		log.Info("route mounted", "path", path)
	}
	if vs.Checkly != nil {
		h, err := middleware.NewRoute(vs.Checkly, f.checkly, opts...)
		mount(demo.PathCheckly, h, err)
	}
	if vs.StatusStack != nil {
		h, err := middleware.NewRoute(vs.StatusStack, f.statusStack, opts...)
		mount(demo.PathStatusStack, h, err)
	}
	if err := errors.Join(errs...); err != nil {
		_ = closeStore()
		return nil, nil, err
	}
	log.Info("forwarding to Datadog", "url", f.dd.url, "check", f.m.check, "host_name", f.m.host)
	return mux, closeStore, nil
}

func newForwarder(env func(string) string, log *slog.Logger) (*forwarder, error) {
	key := env(envAPIKey)
	if key == "" {
		return nil, fmt.Errorf("%s is not set", envAPIKey)
	}
	apiURL := cmp.Or(env(envAPIURL), defaultAPIURL)
	if err := checkAPIURL(apiURL); err != nil {
		return nil, fmt.Errorf("%s: %w", envAPIURL, err)
	}
	host := env(envHostName)
	if host == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("%s is not set and the host name is unknown: %w", envHostName, err)
		}
		host = h
	}
	return &forwarder{
		m:   mapper{check: cmp.Or(env(envCheckName), defaultCheckName), host: host, now: time.Now},
		dd:  newDatadogClient(apiURL, key),
		log: log,
	}, nil
}

// checkAPIURL accepts an https URL, or an http one to a loopback address (a
// local stand-in for the API): the API key must not cross a network in
// clear text.
func checkAPIURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("want a base URL such as %s", defaultAPIURL)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if h := u.Hostname(); h == "localhost" || net.ParseIP(h).IsLoopback() {
			return nil
		}
		return errors.New("plain http is allowed only to a loopback address; use https")
	}
	return fmt.Errorf("scheme %q: want https", u.Scheme)
}

// Command echo is the webhook receiver of ../nethttp on echo v4, through
// hookseal's echo adapter (github.com/hookseal/hookseal/adapters/echov4,
// package hooksealecho): the same four routes, the same configuration, the
// same answers.
//
//	POST /webhooks/checkly      Checkly alert webhooks        (HMAC, x-checkly-signature)
//	POST /webhooks/statusstack  StatusStack notifications     (HMAC, X-StatusStack-Signature)
//	POST /webhooks/oncall       Grafana OnCall outgoing hooks (Authorization header)
//	POST /webhooks/datadog      Datadog webhooks              (HTTP Basic)
//
// The routes are the core's (middleware.NewRoute, with the handlers the
// net/http example uses, written against context.Context), served through
// hooksealecho.Route: the adapter only translates, so every status code comes
// from hookseal's core and the answers are exactly those of the net/http
// example. A handler that wants the echo.Context instead uses
// hooksealecho.Handler. Routes are mounted with e.Any so that hookseal, not
// echo, answers other methods (405 with its Hookseal-Outcome and Allow
// headers).
//
// # Configuration
//
// Environment variables; a route whose variable is unset is not mounted
// (404). A comma-separated value is several secrets accepted at once, for
// rotation; NAME_FILE names a file with one secret per line instead.
//
//	CHECKLY_WEBHOOK_SECRET      the Checkly webhook channel's secret(s)
//	STATUSSTACK_WEBHOOK_SECRET  the StatusStack webhook's secret(s)
//	ONCALL_AUTHORIZATION        the OnCall webhook's "Authorization Header" value(s), verbatim
//	DATADOG_WEBHOOK_USER        user name(s) of the Datadog webhook URL's user:pass@
//	DATADOG_WEBHOOK_PASSWORD    password(s)
//	HOOKSEAL_REDIS_URL          redis://... to share dedupe and ordering state between replicas
//	ADDR                        listen address (default 127.0.0.1:8080)
//
// # Running it
//
// From the examples directory (the module github.com/hookseal/hookseal/examples):
//
//	CHECKLY_WEBHOOK_SECRET=checkly-secret go run ./echo
//
// and send it a signed Checkly alert. The hookseal command prints the
// headers a sender would add to a body, one per line for curl's -H @file:
// go run github.com/hookseal/hookseal/cmd/hookseal sign --provider checkly
// --secret checkly-secret < body.json > headers.txt, then curl
// --data-binary @body.json -H @headers.txt (see its -h for the other
// senders). With nothing but openssl, the same request is:
//
//	body='{"alert_type":"ALERT_FAILURE","check_id":"c-1","check_name":"API health","started_at":"'$(date -u +%FT%TZ)'"}'
//	sig=$(printf %s "$body" | openssl dgst -sha256 -hmac checkly-secret | awk '{print $NF}')
//	curl -i http://127.0.0.1:8080/webhooks/checkly -H 'Content-Type: application/json' \
//	  -H "X-Checkly-Signature: $sig" -H "X-Checkly-Timestamp: $(date -u +%s)" -d "$body"
//
// The server is an http.Server with read, write and idle timeouts that
// shuts down gracefully on SIGINT or SIGTERM; echo is its handler.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	hooksealecho "github.com/hookseal/hookseal/adapters/echov4"
	"github.com/hookseal/hookseal/examples/internal/demo"
	"github.com/hookseal/hookseal/middleware"
)

func main() {
	demo.Main("echo", newHandler)
}

// newHandler builds the echo application from the environment. The
// returned func closes the shared store, if any.
func newHandler(ctx context.Context, env func(string) string, log *slog.Logger) (http.Handler, func() error, error) {
	vs, opts, closeStore, err := demo.Setup(ctx, env, log)
	if err != nil {
		return nil, nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	var errs []error
	mount := func(path string, h echo.HandlerFunc, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			return
		}
		e.Any(path, h)
		log.Info("route mounted", "path", path)
	}
	if vs.Checkly != nil {
		rt, err := middleware.NewRoute(vs.Checkly, demo.Checkly(log), opts...)
		mount(demo.PathCheckly, hooksealecho.Route(rt), err) // Route is not called when err is set
	}
	if vs.StatusStack != nil {
		rt, err := middleware.NewRoute(vs.StatusStack, demo.StatusStack(log), opts...)
		mount(demo.PathStatusStack, hooksealecho.Route(rt), err) // Route is not called when err is set
	}
	if vs.OnCall != nil {
		rt, err := middleware.NewRoute(vs.OnCall, demo.OnCall(log), opts...)
		mount(demo.PathOnCall, hooksealecho.Route(rt), err) // Route is not called when err is set
	}
	if vs.Datadog != nil {
		rt, err := middleware.NewRoute(vs.Datadog, demo.Datadog(log), opts...)
		mount(demo.PathDatadog, hooksealecho.Route(rt), err) // Route is not called when err is set
	}
	if err := errors.Join(errs...); err != nil {
		_ = closeStore()
		return nil, nil, err
	}
	return e, closeStore, nil
}

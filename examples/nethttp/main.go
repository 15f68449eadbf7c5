// Command nethttp is a webhook receiver on plain net/http: four routes, one
// per sender, each guarded by hookseal and ending in a handler that gets the
// typed event.
//
//	POST /webhooks/checkly      Checkly alert webhooks        (HMAC, x-checkly-signature)
//	POST /webhooks/statusstack  StatusStack notifications     (HMAC, X-StatusStack-Signature)
//	POST /webhooks/oncall       Grafana OnCall outgoing hooks (Authorization header)
//	POST /webhooks/datadog      Datadog webhooks              (HTTP Basic)
//
// Each delivery is authenticated, judged for freshness, decoded, checked
// against the deliveries already processed (duplicates and late,
// out-of-order retries are answered 200 and dropped) and only then handed to
// the handler. The answer's status says what happened, and so does its
// Hookseal-Outcome header: processed, duplicate, out_of_order, stale,
// unauthenticated (401), handler_error (500, the sender retries), ...
//
// # Configuration
//
// Environment variables; a route whose variable is unset is not mounted
// (404). A comma-separated value is several secrets accepted at once, which
// is how a secret is rotated without dropping deliveries.
//
//	CHECKLY_WEBHOOK_SECRET      the Checkly webhook channel's secret(s)
//	STATUSSTACK_WEBHOOK_SECRET  the StatusStack webhook's secret(s)
//	ONCALL_AUTHORIZATION        the OnCall webhook's "Authorization Header" value(s),
//	                            compared verbatim (e.g. "Bearer s3cr3t")
//	DATADOG_WEBHOOK_USER        user name(s) of the Datadog webhook URL's user:pass@
//	DATADOG_WEBHOOK_PASSWORD    password(s); one user with several passwords, or
//	                            one user per password
//	HOOKSEAL_REDIS_URL          redis://[user:pass@]host:port/db: keep dedupe and
//	                            ordering state in Redis, shared by every replica
//	                            (default: in memory, per process)
//	ADDR                        listen address (default 127.0.0.1:8080)
//
// # Running it
//
// From the examples directory (the module github.com/hookseal/hookseal/examples):
//
//	CHECKLY_WEBHOOK_SECRET=checkly-secret go run ./nethttp
//
// and, in another shell, send it a signed Checkly alert. The hookseal
// command prints the headers a sender would add to a body, one per line for
// curl's -H @file: go run github.com/hookseal/hookseal/cmd/hookseal sign
// --provider checkly --secret checkly-secret < body.json > headers.txt, then
// curl --data-binary @body.json -H @headers.txt (see its -h for the other
// senders). With nothing but openssl, the same request is:
//
//	body='{"alert_type":"ALERT_FAILURE","check_id":"c-1","check_name":"API health","started_at":"'$(date -u +%FT%TZ)'"}'
//	sig=$(printf %s "$body" | openssl dgst -sha256 -hmac checkly-secret | awk '{print $NF}')
//	curl -i http://127.0.0.1:8080/webhooks/checkly -H 'Content-Type: application/json' \
//	  -H "X-Checkly-Signature: $sig" -H "X-Checkly-Timestamp: $(date -u +%s)" -d "$body"
//
// The first request is answered 200 with Hookseal-Outcome: processed and
// logged by the handler; the same request again is a duplicate; a wrong
// signature is 401. In Checkly, paste the template that "hookseal template
// --provider checkly" prints (checkly.RecommendedTemplate) into the webhook
// channel's body: it carries the alert's type, identity and signed time.
//
// The server has read, write and idle timeouts, and on SIGINT or SIGTERM it
// stops accepting connections and lets deliveries in progress finish.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/hookseal/hookseal/examples/internal/demo"
	"github.com/hookseal/hookseal/middleware"
)

func main() {
	demo.Main("nethttp", newHandler)
}

// newHandler builds the receiver's routes from the environment. The
// returned func closes the shared store, if any.
func newHandler(ctx context.Context, env func(string) string, log *slog.Logger) (http.Handler, func() error, error) {
	vs, opts, closeStore, err := demo.Setup(ctx, env, log)
	if err != nil {
		return nil, nil, err
	}

	// Routes are registered without a method in the pattern so hookseal
	// answers other methods itself (405 with its outcome header).
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
		h, err := middleware.NewRoute(vs.Checkly, demo.Checkly(log), opts...)
		mount(demo.PathCheckly, h, err)
	}
	if vs.StatusStack != nil {
		h, err := middleware.NewRoute(vs.StatusStack, demo.StatusStack(log), opts...)
		mount(demo.PathStatusStack, h, err)
	}
	if vs.OnCall != nil {
		h, err := middleware.NewRoute(vs.OnCall, demo.OnCall(log), opts...)
		mount(demo.PathOnCall, h, err)
	}
	if vs.Datadog != nil {
		h, err := middleware.NewRoute(vs.Datadog, demo.Datadog(log), opts...)
		mount(demo.PathDatadog, h, err)
	}
	if err := errors.Join(errs...); err != nil {
		_ = closeStore()
		return nil, nil, err
	}
	return mux, closeStore, nil
}

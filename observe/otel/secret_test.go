package hooksealotel_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	hooksealotel "github.com/hookseal/hookseal/observe/otel"
)

// values is every string a span exports: its name, its attributes', its
// events' and links' attributes, its status description, its resource's
// and its scope's attributes.
func values(s sdktrace.ReadOnlySpan) []string {
	out := []string{s.Name(), s.Status().Description}
	add := func(kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			out = append(out, string(kv.Key), kv.Value.String())
		}
	}
	add(s.Attributes())
	for _, e := range s.Events() {
		out = append(out, e.Name)
		add(e.Attributes)
	}
	for _, l := range s.Links() {
		add(l.Attributes)
	}
	add(s.Resource().Attributes())
	scope := s.InstrumentationScope()
	add(scope.Attributes.ToSlice())
	return out
}

// No span carries the secret, a signature, the body or any part of it a
// sender wrote, nor an error's text: not for a processed delivery, a
// forged one, an undecodable one, a handler's error or panic. The
// delivery key and the resource appear only with WithDeliveryIdentifiers.
func TestSpansCarryNoSecretOrBody(t *testing.T) {
	for _, identifiers := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "WithDeliveryIdentifiers"}[identifiers], func(t *testing.T) {
			var opts []hooksealotel.Option
			if identifiers {
				opts = append(opts, hooksealotel.WithDeliveryIdentifiers())
			}
			f := newFixture(t, opts...)
			var (
				mu      sync.Mutex
				reports []middleware.Report
			)
			url := f.serve(t, middleware.WithObserver(func(_ context.Context, r middleware.Report) {
				mu.Lock()
				reports = append(reports, r)
				mu.Unlock()
			}))
			now := middlewaretest.Now()
			type sent struct {
				body []byte
				req  *http.Request
				want middleware.Outcome
			}
			body := func(id string) []byte {
				return middlewaretest.AlertBody(checkly.AlertFailure, "RESMARK-"+id, now)
			}
			var all []sent
			for _, c := range []struct {
				body []byte
				want middleware.Outcome
				req  func(b []byte) *http.Request
			}{
				{body("ok"), middleware.Processed, nil},
				{body("forged"), middleware.Unauthenticated, func(b []byte) *http.Request { return forged(t, url, b) }},
				{[]byte(`{"alert_type": "BODYMARK" not json`), middleware.BadPayload, nil},
				{[]byte(`{"alert_type":"ALERT_FAILURE","check_id":"check-err","check_name":"NAMEMARK","started_at":"2026-11-23T08:00:00Z"}`),
					middleware.HandlerError, nil},
				{[]byte(`{"alert_type":"ALERT_FAILURE","check_id":"check-panic","started_at":"2026-11-23T08:00:00Z"}`),
					middleware.HandlerError, nil},
			} {
				req := middlewaretest.Sign(t, url, c.body, now)
				if c.req != nil {
					req = c.req(c.body)
				}
				all = append(all, sent{c.body, req, c.want})
			}
			forbidden := []string{middlewaretest.Secret, "BODYMARK", "NAMEMARK", "ERRMARK", "PANICMARK", "API health", "not json"}
			for _, s := range all {
				forbidden = append(forbidden, string(s.body), s.req.Header.Get("X-Checkly-Signature"))
				f.send(t, s.req, s.want)
			}
			mu.Lock()
			defer mu.Unlock()
			var keys, resources []string
			for _, r := range reports {
				if r.Err != nil {
					forbidden = append(forbidden, r.Err.Error())
				}
				if r.Delivery != "" {
					keys = append(keys, r.Delivery)
				}
				if r.Resource != "" {
					resources = append(resources, r.Resource)
				}
			}
			if len(keys) == 0 || len(resources) == 0 {
				t.Fatalf("reports carried %d delivery keys and %d resources: the test checks nothing", len(keys), len(resources))
			}
			if !identifiers {
				forbidden = append(append(forbidden, keys...), "RESMARK")
			}

			// hookseal's spans: the handler's own (app.page) is the
			// application's to keep clean; the SDK records its panic.
			var spans []sdktrace.ReadOnlySpan
			for _, s := range f.spans.Ended() {
				if s.InstrumentationScope().Name == "github.com/hookseal/hookseal/observe/otel" {
					spans = append(spans, s)
				}
			}
			if len(spans) < 20 {
				t.Fatalf("only %d spans ended", len(spans))
			}
			found := map[string]bool{}
			for _, s := range spans {
				for _, v := range values(s) {
					for _, bad := range forbidden {
						if bad != "" && strings.Contains(v, bad) {
							t.Errorf("span %s exports %q, which contains %q", s.Name(), v, bad)
						}
					}
					found[v] = true
				}
			}
			if identifiers {
				for _, k := range append(keys, resources...) {
					if !found[k] {
						t.Errorf("WithDeliveryIdentifiers: no span carries %q", k)
					}
				}
			}
		})
	}
}

package hooksealotel_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/verify"
)

func alert(id string, at time.Time) []byte {
	return middlewaretest.AlertBody(checkly.AlertFailure, id, at)
}

func forged(tb testing.TB, url string, body []byte) *http.Request {
	req := middlewaretest.Sign(tb, url, body, middlewaretest.Now())
	req.Header.Set("X-Checkly-Signature", strings.Repeat("0", 64))
	return req
}

// The delivery span joins the caller's trace under the server span; the
// stage spans are its children, in pipeline order; the handler's own span
// is a child of hookseal.handle.
func TestSpanTree(t *testing.T) {
	f := newFixture(t)
	url := f.serve(t, middleware.WithOrdering(0))
	now := middlewaretest.Now()
	client := f.send(t, middlewaretest.Sign(t, url, alert("check-1", now), now), middleware.Processed)

	spans := f.trace(client.TraceID())
	parent := map[string]string{}
	byID := map[trace.SpanID]string{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = s.Name()
	}
	var order []string
	for _, s := range spans {
		p, ok := byID[s.Parent().SpanID()]
		if !ok && s.Parent().IsValid() {
			p = "?"
		}
		parent[s.Name()] = p
		order = append(order, s.Name())
	}
	want := map[string]string{
		"client": "", "server": "client", middleware.SpanDelivery: "server",
		middleware.SpanRead: middleware.SpanDelivery, middleware.SpanAuthenticate: middleware.SpanDelivery,
		middleware.SpanFreshness: middleware.SpanDelivery, middleware.SpanDecode: middleware.SpanDelivery,
		middleware.SpanDedupe: middleware.SpanDelivery, middleware.SpanOrder: middleware.SpanDelivery,
		middleware.SpanHandle: middleware.SpanDelivery, "app.page": middleware.SpanHandle,
		middleware.SpanCommit: middleware.SpanDelivery,
	}
	if d := diff(parent, want); d != "" {
		t.Errorf("span parents (child: parent):%s", d)
	}
	wantOrder := []string{"client", "server", middleware.SpanDelivery, middleware.SpanRead, middleware.SpanAuthenticate,
		middleware.SpanFreshness, middleware.SpanDecode, middleware.SpanDedupe, middleware.SpanOrder,
		middleware.SpanHandle, "app.page", middleware.SpanCommit}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("spans started in order\n%q\nwant\n%q", order, wantOrder)
	}

	d := named(spans, middleware.SpanDelivery)
	if d == nil {
		t.Fatal("no delivery span")
	}
	if diff := diff(attrs(d.Attributes()), map[string]string{
		"hookseal.route": route, "hookseal.provider": verify.ProviderCheckly, "hookseal.event_type": "ALERT_FAILURE",
		"hookseal.outcome": "processed", "http.response.status_code": "200",
	}); diff != "" {
		t.Errorf("delivery span attributes:%s", diff)
	}
	if d.Status().Code != codes.Unset {
		t.Errorf("delivery span status %v, want unset", d.Status())
	}
	for _, s := range spans {
		if s.SpanKind() != trace.SpanKindInternal && strings.HasPrefix(s.Name(), "hookseal.") {
			t.Errorf("%s is a %s span, want internal", s.Name(), s.SpanKind())
		}
	}
}

// Each outcome is recorded on the delivery span and on the stage that
// decided it; only failures on the receiver's side are errors.
func TestSpanOutcomes(t *testing.T) {
	now := middlewaretest.Now()
	for _, c := range []struct {
		name    string
		req     func(tb testing.TB, url string) *http.Request
		down    bool
		want    middleware.Outcome
		reason  string
		status  int
		decider string // the stage span that decided
		code    codes.Code
		errType string
		handle  string // hookseal.handle's error.type; "ok" when it ran without error, "" when it did not run
	}{
		{name: "ok, processed", want: middleware.Processed, status: 200, decider: middleware.SpanCommit, code: codes.Unset, handle: "ok",
			req: func(tb testing.TB, url string) *http.Request {
				return middlewaretest.Sign(tb, url, alert("check-1", now), now)
			}},
		{name: "nok, forged", want: middleware.Unauthenticated, reason: "invalid_signature", status: 401,
			decider: middleware.SpanAuthenticate, code: codes.Unset,
			req: func(tb testing.TB, url string) *http.Request { return forged(tb, url, alert("check-1", now)) }},
		{name: "nok, stale", want: middleware.Stale, reason: "too_old", status: 200, decider: middleware.SpanFreshness, code: codes.Unset,
			req: func(tb testing.TB, url string) *http.Request {
				return middlewaretest.Sign(tb, url, alert("check-1", now), now.Add(-10*time.Minute))
			}},
		{name: "nok, bad payload", want: middleware.BadPayload, status: 400, decider: middleware.SpanDecode, code: codes.Unset,
			req: func(tb testing.TB, url string) *http.Request {
				return middlewaretest.Sign(tb, url, []byte(`{"alert_type": BODYMARK`), now)
			}},
		{name: "nok, handler error", want: middleware.HandlerError, status: 500, decider: middleware.SpanCommit,
			code: codes.Error, errType: "handler_error", handle: "handler_error",
			req: func(tb testing.TB, url string) *http.Request {
				return middlewaretest.Sign(tb, url, alert("check-err", now), now)
			}},
		{name: "nok, handler panic", want: middleware.HandlerError, status: 500, decider: middleware.SpanCommit,
			code: codes.Error, errType: "handler_error", handle: "panic",
			req: func(tb testing.TB, url string) *http.Request {
				return middlewaretest.Sign(tb, url, alert("check-panic", now), now)
			}},
		{name: "nok, store down", want: middleware.StoreUnavailable, status: 503, decider: middleware.SpanDedupe, down: true,
			code: codes.Error, errType: "store_unavailable",
			req: func(tb testing.TB, url string) *http.Request {
				return middlewaretest.Sign(tb, url, alert("check-1", now), now)
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			url := f.serve(t, middleware.WithStore(middlewaretest.NewFailingStore(nil, c.down)))
			spans := f.trace(f.send(t, c.req(t, url), c.want).TraceID())
			wantAttrs := map[string]string{"hookseal.outcome": string(c.want), "http.response.status_code": fmt.Sprint(c.status)}
			if c.reason != "" {
				wantAttrs["hookseal.reason"] = c.reason
			}
			if c.errType != "" {
				wantAttrs["error.type"] = c.errType
			}
			decider := named(spans, c.decider)
			if decider == nil {
				t.Fatalf("no %s span", c.decider)
			}
			last := spans[len(spans)-1]
			if last.Name() != c.decider {
				t.Errorf("the last span is %s, want %s, the stage that decided", last.Name(), c.decider)
			}
			for _, s := range []sdktrace.ReadOnlySpan{decider, named(spans, middleware.SpanDelivery)} {
				got := attrs(s.Attributes())
				for _, k := range []string{"hookseal.route", "hookseal.provider", "hookseal.event_type"} {
					delete(got, k) // the observer's, checked in TestSpanTree
				}
				if d := diff(got, wantAttrs); d != "" {
					t.Errorf("%s attributes:%s", s.Name(), d)
				}
				if s.Status().Code != c.code || (c.code == codes.Error && s.Status().Description != string(c.want)) {
					t.Errorf("%s status %+v, want %v %q", s.Name(), s.Status(), c.code, c.want)
				}
			}
			h := named(spans, middleware.SpanHandle)
			switch {
			case h == nil && c.handle != "":
				t.Error("no hookseal.handle span")
			case h == nil:
			case c.handle == "ok":
				if h.Status().Code != codes.Unset || len(h.Attributes()) != 0 {
					t.Errorf("hookseal.handle status %+v, attributes %v; want neither", h.Status(), attrs(h.Attributes()))
				}
			default:
				if h.Status().Code != codes.Error || h.Status().Description != c.handle ||
					diff(attrs(h.Attributes()), map[string]string{"error.type": c.handle}) != "" {
					t.Errorf("hookseal.handle status %+v, attributes %v; want error %s", h.Status(), attrs(h.Attributes()), c.handle)
				}
			}
		})
	}
}

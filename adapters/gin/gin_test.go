package hooksealgin_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	hooksealgin "github.com/hookseal/hookseal/adapters/gin"
	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/verify"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode) // no debug lines in the tests' and examples' output
	os.Exit(m.Run())
}

// The core's table of outcomes, through a real gin engine over HTTP.
func TestOutcomes(t *testing.T) {
	middlewaretest.RunWithoutInbox(t, func(tb testing.TB, rt middlewaretest.Route) http.Handler {
		h, err := hooksealgin.Handler(rt.Verifier, func(c *gin.Context, e middleware.Event[checkly.Alert]) error {
			return rt.Handler(c.Request.Context(), e)
		}, rt.Options...)
		if err != nil {
			tb.Fatal(err)
		}
		r := gin.New()
		r.Any(middlewaretest.Path, h)
		return r
	})
}

// A Handler's fn takes the request's context, gone by the time an inbox
// runs it: the adapter refuses an inbox, naming itself and the way out.
func TestHandlerRefusesAnInbox(t *testing.T) {
	runner, err := inbox.NewRunner(inbox.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	_, err = hooksealgin.Handler(middlewaretest.NewVerifier(t), func(_ *gin.Context, _ middleware.Event[checkly.Alert]) error { return nil },
		middleware.WithName("checkly"), middleware.WithInbox(runner))
	if err == nil || !strings.Contains(err.Error(), "hooksealgin.Handler") || !strings.Contains(err.Error(), "NewRoute") {
		t.Fatalf("Handler with an inbox: %v, want an error naming hooksealgin.Handler and NewRoute", err)
	}
	// The route can still be built the core's way, with the name free.
	if _, err := middleware.NewRoute(middlewaretest.NewVerifier(t), func(context.Context, middleware.Event[checkly.Alert]) error { return nil },
		middleware.WithName("checkly"), middleware.WithInbox(runner)); err != nil {
		t.Fatalf("NewRoute after the refusal: %v", err)
	}
}

// The table again, through a route the core built with the core's handler
// type: the same middleware.HandlerFunc serves net/http, echo and gin.
func TestRouteOutcomes(t *testing.T) {
	middlewaretest.Run(t, func(tb testing.TB, rt middlewaretest.Route) http.Handler {
		route, err := middleware.NewRoute(rt.Verifier, rt.Handler, rt.Options...)
		if err != nil {
			tb.Fatal(err)
		}
		r := gin.New()
		r.Any(middlewaretest.Path, hooksealgin.Route(route))
		return r
	})
}

// The table's outcomes decided before the handler, through the verify-only
// middleware.
func TestMiddlewareOutcomes(t *testing.T) {
	middlewaretest.RunGate(t, func(tb testing.TB, rt middlewaretest.Route) http.Handler {
		mw, err := hooksealgin.Middleware(rt.Verifier, rt.Options...)
		if err != nil {
			tb.Fatal(err)
		}
		r := gin.New()
		r.Any(middlewaretest.Path, mw, func(c *gin.Context) { c.Status(http.StatusNoContent) })
		return r
	})
}

// After the middleware, the application's handler binds the body with
// c.ShouldBindJSON as if nothing had read it (gin issues #3428, #3861), and
// finds the delivery and the raw body through the typed accessors.
func TestMiddlewareShouldBindJSONAfterVerify(t *testing.T) {
	mw, err := hooksealgin.Middleware(middlewaretest.NewVerifier(t), middlewaretest.ClockAt(middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	type mine struct {
		AlertType string `json:"alert_type" binding:"required"`
		CheckID   string `json:"check_id" binding:"required"`
	}
	var (
		mu       sync.Mutex
		bound    mine
		alert    checkly.Alert
		delivery verify.Delivery
		raw      []byte
		bindErr  error
		found    bool
	)
	r := gin.New()
	r.POST("/hooks/checkly", mw, func(c *gin.Context) {
		mu.Lock()
		defer mu.Unlock()
		if bindErr = c.ShouldBindJSON(&bound); bindErr != nil {
			c.Status(http.StatusBadRequest)
			return
		}
		// Read again, into a provider type: the body stays readable only
		// once, but BodyFrom keeps the bytes.
		b, _ := hooksealgin.BodyFrom(c)
		raw = bytes.Clone(b)
		if err := event.Decode("application/json", b, &alert); err != nil {
			c.Status(http.StatusBadRequest)
			return
		}
		delivery, found = hooksealgin.DeliveryFrom(c)
		c.String(http.StatusAccepted, "bound "+bound.CheckID)
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	body := []byte("{\n  \"alert_type\": \"ALERT_FAILURE\",\n  \"check_id\": \"check-9\"\n}\n")
	a, err := middlewaretest.Do(srv.Client(), middlewaretest.Sign(t, srv.URL+"/hooks/checkly", body, middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if a.Status != http.StatusAccepted || string(a.Body) != "bound check-9" || bindErr != nil {
		t.Fatalf("status %d, body %q, bind error %v", a.Status, a.Body, bindErr)
	}
	if bound.AlertType != "ALERT_FAILURE" || alert.CheckID != "check-9" {
		t.Fatalf("bound %+v, alert %+v", bound, alert)
	}
	if !bytes.Equal(raw, body) {
		t.Fatalf("raw body = %q, want %q", raw, body)
	}
	if !found || delivery.Provider != verify.ProviderCheckly || delivery.Key.IsZero() || delivery.SecretID == "" {
		t.Fatalf("delivery = %+v, %v", delivery, found)
	}
}

// A failure aborts the chain: handlers after the middleware do not run,
// and the cause is on c.Errors for gin's logging, not in the response.
func TestMiddlewareAbortsWithCause(t *testing.T) {
	mw, err := hooksealgin.Middleware(middlewaretest.NewVerifier(t), middlewaretest.ClockAt(middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan []error, 1)
	var reached bool
	r := gin.New()
	r.Use(func(c *gin.Context) {
		c.Next()
		var got []error
		for _, e := range c.Errors {
			got = append(got, e.Err)
		}
		errs <- got
	})
	r.POST("/hooks/checkly", mw, func(c *gin.Context) { reached = true })

	req := middlewaretest.Sign(t, "/hooks/checkly", []byte(`{}`), middlewaretest.Now())
	req.Header.Set("X-Checkly-Signature", strings.Repeat("0", 64))
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	middlewaretest.Answer{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}.Check(t, middleware.Unauthenticated)
	if reached {
		t.Error("the handler after the middleware ran")
	}
	if got := <-errs; len(got) != 1 || !errors.Is(got[0], verify.ErrInvalidSignature) {
		t.Errorf("c.Errors = %v, want the verification error", got)
	}
}

// The typed handler gets gin's own context: path parameters and values set
// by earlier middleware.
func TestHandlerGetsGinContext(t *testing.T) {
	type seen struct{ provider, user, check string }
	got := make(chan seen, 1)
	h, err := hooksealgin.Handler(middlewaretest.NewVerifier(t),
		func(c *gin.Context, e middleware.Event[checkly.Alert]) error {
			got <- seen{c.Param("provider"), c.GetString("user"), e.Payload.CheckID}
			return nil
		}, middlewaretest.ClockAt(middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(func(c *gin.Context) { c.Set("user", "ops") })
	r.POST("/hooks/:provider", h)
	srv := httptest.NewServer(r)
	defer srv.Close()

	body := middlewaretest.AlertBody(checkly.AlertFailure, "check-3", middlewaretest.Now())
	a, err := middlewaretest.Do(srv.Client(), middlewaretest.Sign(t, srv.URL+"/hooks/checkly", body, middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	a.Check(t, middleware.Processed)
	if s := <-got; s != (seen{"checkly", "ops", "check-3"}) {
		t.Fatalf("handler saw %+v", s)
	}
}

// The handler's error goes to the core's observer and to c.Errors, never
// to the response.
func TestHandlerErrorReachesObserverNotClient(t *testing.T) {
	reports := make(chan middleware.Report, 1)
	cause := errors.New("database is down")
	h, err := hooksealgin.Handler(middlewaretest.NewVerifier(t),
		func(*gin.Context, middleware.Event[checkly.Alert]) error { return cause },
		middleware.WithObserver(func(_ context.Context, r middleware.Report) { reports <- r }), middlewaretest.ClockAt(middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	var ginErrs []error
	r := gin.New()
	r.POST("/", func(c *gin.Context) {
		c.Next()
		for _, e := range c.Errors {
			ginErrs = append(ginErrs, e.Err)
		}
	}, h)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, middlewaretest.Sign(t, "/", middlewaretest.AlertBody(checkly.AlertFailure, "c", middlewaretest.Now()), middlewaretest.Now()))
	middlewaretest.Answer{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}.Check(t, middleware.HandlerError)
	if r := <-reports; r.Outcome != middleware.HandlerError || !errors.Is(r.Err, cause) {
		t.Fatalf("report = %+v", r)
	}
	if len(ginErrs) != 1 || !errors.Is(ginErrs[0], cause) {
		t.Fatalf("c.Errors = %v", ginErrs)
	}
}

func TestConstructionErrors(t *testing.T) {
	v := middlewaretest.NewVerifier(t)
	noop := func(*gin.Context, middleware.Event[checkly.Alert]) error { return nil }
	if _, err := hooksealgin.Handler[checkly.Alert](nil, noop); err == nil {
		t.Error("Handler: nil verifier accepted")
	}
	if _, err := hooksealgin.Handler[checkly.Alert](v, nil); err == nil {
		t.Error("Handler: nil handler accepted")
	}
	if _, err := hooksealgin.Handler(v, noop, middleware.WithMaxBodyBytes(0)); err == nil {
		t.Error("Handler: invalid option accepted")
	}
	type plain struct{ A string }
	if _, err := hooksealgin.Handler(v, func(*gin.Context, middleware.Event[plain]) error { return nil },
		middleware.WithOrdering(0)); err == nil {
		t.Error("Handler: ordering on a payload without event.Payload accepted")
	}
	if _, err := hooksealgin.Middleware(nil); err == nil {
		t.Error("Middleware: nil verifier accepted")
	}
	if _, err := hooksealgin.Middleware(v, middleware.WithMethods()); err == nil {
		t.Error("Middleware: invalid option accepted")
	}
	if _, err := hooksealgin.Middleware(v, middleware.WithOrdering(0)); err == nil {
		t.Error("Middleware: a route-only option accepted")
	}
}

func TestAccessorsWithoutMiddleware(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodPost, "/", nil)
	if _, ok := hooksealgin.DeliveryFrom(c); ok {
		t.Error("DeliveryFrom on an unverified request")
	}
	if _, ok := hooksealgin.BodyFrom(c); ok {
		t.Error("BodyFrom on an unverified request")
	}
}

// The README's own handler: ShouldBindJSON into the provider type, which
// decodes leniently through its UnmarshalJSON.
func TestMiddlewareShouldBindJSONProviderType(t *testing.T) {
	mw, err := hooksealgin.Middleware(middlewaretest.NewVerifier(t), middlewaretest.ClockAt(middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.POST("/hooks/checkly", mw, func(c *gin.Context) {
		var a checkly.Alert
		if err := c.ShouldBindJSON(&a); err != nil {
			c.String(http.StatusBadRequest, err.Error())
			return
		}
		c.String(http.StatusOK, string(a.AlertType)+" "+a.CheckID)
	})
	body := []byte(`{"ALERT_TYPE":"ALERT_FAIL","checkId":"check-4"}`) // Checkly's other spellings
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, middlewaretest.Sign(t, "/hooks/checkly", body, middlewaretest.Now()))
	if rec.Code != http.StatusOK || rec.Body.String() != "ALERT_FAILURE check-4" {
		t.Fatalf("%d %q", rec.Code, rec.Body)
	}
}

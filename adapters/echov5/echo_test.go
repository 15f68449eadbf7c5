package hooksealecho_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v5"

	hooksealecho "github.com/hookseal/hookseal/adapters/echov5"
	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// The core's table of outcomes, through a real echo engine over HTTP.
func TestOutcomes(t *testing.T) {
	middlewaretest.RunWithoutInbox(t, func(tb testing.TB, rt middlewaretest.Route) http.Handler {
		h, err := hooksealecho.Handler(rt.Verifier, func(c *echo.Context, e middleware.Event[checkly.Alert]) error {
			return rt.Handler(c.Request().Context(), e)
		}, rt.Options...)
		if err != nil {
			tb.Fatal(err)
		}
		e := echo.New()
		e.Any(middlewaretest.Path, h)
		return e
	})
}

// A Handler's fn takes the request's context, gone by the time an inbox
// runs it: the adapter refuses an inbox, naming itself and the way out.
func TestHandlerRefusesAnInbox(t *testing.T) {
	runner, err := inbox.NewRunner(inbox.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	_, err = hooksealecho.Handler(middlewaretest.NewVerifier(t), func(_ *echo.Context, _ middleware.Event[checkly.Alert]) error { return nil },
		middleware.WithName("checkly"), middleware.WithInbox(runner))
	if err == nil || !strings.Contains(err.Error(), "hooksealecho.Handler") || !strings.Contains(err.Error(), "NewRoute") {
		t.Fatalf("Handler with an inbox: %v, want an error naming hooksealecho.Handler and NewRoute", err)
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
		e := echo.New()
		e.Any(middlewaretest.Path, hooksealecho.Route(route))
		return e
	})
}

// The table's outcomes decided before the handler, through the verify-only
// middleware.
func TestMiddlewareOutcomes(t *testing.T) {
	middlewaretest.RunGate(t, func(tb testing.TB, rt middlewaretest.Route) http.Handler {
		mw, err := hooksealecho.Middleware(rt.Verifier, rt.Options...)
		if err != nil {
			tb.Fatal(err)
		}
		e := echo.New()
		e.Any(middlewaretest.Path, func(c *echo.Context) error { return c.NoContent(http.StatusNoContent) }, mw)
		return e
	})
}

// After the middleware, the application's handler binds the body with
// c.Bind as if nothing had read it, and finds the delivery and the raw
// body through the typed accessors.
func TestMiddlewareBindAfterVerify(t *testing.T) {
	mw, err := hooksealecho.Middleware(middlewaretest.NewVerifier(t), middlewaretest.ClockAt(middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	type mine struct {
		AlertType string `json:"alert_type"`
		CheckID   string `json:"check_id"`
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
	e := echo.New()
	e.POST("/hooks/checkly", func(c *echo.Context) error {
		mu.Lock()
		defer mu.Unlock()
		bindErr = c.Bind(&bound)
		if bindErr != nil {
			return bindErr
		}
		// Read again, into a provider type: the body stays readable only
		// once, but BodyFrom keeps the bytes.
		b, _ := hooksealecho.BodyFrom(c)
		raw = bytes.Clone(b)
		if err := event.Decode("application/json", b, &alert); err != nil {
			return err
		}
		delivery, found = hooksealecho.DeliveryFrom(c)
		return c.String(http.StatusAccepted, "bound "+bound.CheckID)
	}, mw)
	srv := httptest.NewServer(e)
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

func TestMiddlewareSkipper(t *testing.T) {
	mw, err := hooksealecho.Config{
		Verifier: middlewaretest.NewVerifier(t),
		Skipper:  func(c *echo.Context) bool { return c.Request().Method == http.MethodGet },
		Options:  []middleware.Option{middlewaretest.ClockAt(middlewaretest.Now())},
	}.ToMiddleware()
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.Any("/hooks/checkly", func(c *echo.Context) error {
		if _, ok := hooksealecho.DeliveryFrom(c); ok {
			return c.String(http.StatusOK, "verified")
		}
		return c.String(http.StatusOK, "skipped")
	}, mw)

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hooks/checkly", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "skipped" {
		t.Fatalf("GET: %d %q", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/hooks/checkly", strings.NewReader(`{}`)))
	middlewaretest.Answer{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}.Check(t, middleware.Unauthenticated)
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, middlewaretest.Sign(t, "/hooks/checkly", []byte(`{}`), middlewaretest.Now()))
	if rec.Code != http.StatusOK || rec.Body.String() != "verified" {
		t.Fatalf("signed POST: %d %q", rec.Code, rec.Body)
	}
}

// The typed handler gets echo's own context: path parameters and values
// set by earlier middleware.
func TestHandlerGetsEchoContext(t *testing.T) {
	type seen struct{ provider, user, check string }
	got := make(chan seen, 1)
	h, err := hooksealecho.Handler(middlewaretest.NewVerifier(t),
		func(c *echo.Context, e middleware.Event[checkly.Alert]) error {
			user, _ := c.Get("user").(string)
			got <- seen{c.Param("provider"), user, e.Payload.CheckID}
			return nil
		}, middlewaretest.ClockAt(middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error { c.Set("user", "ops"); return next(c) }
	})
	e.POST("/hooks/:provider", h)
	srv := httptest.NewServer(e)
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

// Causes go to the core's observer and never to the response.
func TestHandlerErrorReachesObserverNotClient(t *testing.T) {
	reports := make(chan middleware.Report, 1)
	h, err := hooksealecho.Handler(middlewaretest.NewVerifier(t),
		func(*echo.Context, middleware.Event[checkly.Alert]) error { return errors.New("database is down") },
		middleware.WithObserver(func(_ context.Context, r middleware.Report) { reports <- r }), middlewaretest.ClockAt(middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.POST("/", h)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, middlewaretest.Sign(t, "/", middlewaretest.AlertBody(checkly.AlertFailure, "c", middlewaretest.Now()), middlewaretest.Now()))
	middlewaretest.Answer{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}.Check(t, middleware.HandlerError)
	if r := <-reports; r.Outcome != middleware.HandlerError || r.Err == nil || !strings.Contains(r.Err.Error(), "database is down") {
		t.Fatalf("report = %+v", r)
	}
}

func TestConstructionErrors(t *testing.T) {
	v := middlewaretest.NewVerifier(t)
	noop := func(*echo.Context, middleware.Event[checkly.Alert]) error { return nil }
	if _, err := hooksealecho.Handler[checkly.Alert](nil, noop); err == nil {
		t.Error("Handler: nil verifier accepted")
	}
	if _, err := hooksealecho.Handler[checkly.Alert](v, nil); err == nil {
		t.Error("Handler: nil handler accepted")
	}
	if _, err := hooksealecho.Handler(v, noop, middleware.WithMaxBodyBytes(0)); err == nil {
		t.Error("Handler: invalid option accepted")
	}
	type plain struct{ A string }
	if _, err := hooksealecho.Handler(v, func(*echo.Context, middleware.Event[plain]) error { return nil },
		middleware.WithOrdering(0)); err == nil {
		t.Error("Handler: ordering on a payload without event.Payload accepted")
	}
	if _, err := hooksealecho.Middleware(nil); err == nil {
		t.Error("Middleware: nil verifier accepted")
	}
	if _, err := (hooksealecho.Config{}).ToMiddleware(); err == nil {
		t.Error("Config: missing verifier accepted")
	}
	if _, err := hooksealecho.Middleware(v, middleware.WithMethods()); err == nil {
		t.Error("Middleware: invalid option accepted")
	}
	if _, err := hooksealecho.Middleware(v, middleware.WithOrdering(0)); err == nil {
		t.Error("Middleware: a route-only option accepted")
	}
}

func TestAccessorsWithoutMiddleware(t *testing.T) {
	c := echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/", nil), httptest.NewRecorder())
	if _, ok := hooksealecho.DeliveryFrom(c); ok {
		t.Error("DeliveryFrom on an unverified request")
	}
	if _, ok := hooksealecho.BodyFrom(c); ok {
		t.Error("BodyFrom on an unverified request")
	}
}

// The README's own handler: c.Bind into the provider type, which decodes
// leniently through its UnmarshalJSON.
func TestMiddlewareBindProviderType(t *testing.T) {
	mw, err := hooksealecho.Middleware(middlewaretest.NewVerifier(t), middlewaretest.ClockAt(middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.POST("/hooks/checkly", func(c *echo.Context) error {
		var a checkly.Alert
		if err := c.Bind(&a); err != nil {
			return err
		}
		return c.String(http.StatusOK, string(a.AlertType)+" "+a.CheckID)
	}, mw)
	body := []byte(`{"ALERT_TYPE":"ALERT_FAIL","checkId":"check-4"}`) // Checkly's other spellings
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, middlewaretest.Sign(t, "/hooks/checkly", body, middlewaretest.Now()))
	if rec.Code != http.StatusOK || rec.Body.String() != "ALERT_FAILURE check-4" {
		t.Fatalf("%d %q", rec.Code, rec.Body)
	}
}

// A delivery whose handler failed through echo's error (an *echo.HTTPError
// or any error: echo answers 500) is released, so the sender's retry is
// handled again rather than answered duplicate; one it answered is done.
func TestMiddlewareStatusFromEchoError(t *testing.T) {
	mw, err := hooksealecho.Middleware(middlewaretest.NewVerifier(t), middleware.WithStore(store.NewMemory()), middlewaretest.ClockAt(middlewaretest.Now()))
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	fail := true
	e := echo.New()
	e.POST("/hooks/checkly", func(c *echo.Context) error {
		calls++
		if fail {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "database is down")
		}
		return c.NoContent(http.StatusNoContent)
	}, mw)
	body := middlewaretest.AlertBody(checkly.AlertFailure, "check-7", middlewaretest.Now())
	send := func() int {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, middlewaretest.Sign(t, "/hooks/checkly", body, middlewaretest.Now()))
		return rec.Code
	}
	if code := send(); code != http.StatusServiceUnavailable {
		t.Fatalf("first: %d", code)
	}
	fail = false
	if code := send(); code != http.StatusNoContent || calls != 2 {
		t.Fatalf("retry after a failure: %d, %d calls (want it handled again)", code, calls)
	}
	if code := send(); code != http.StatusOK || calls != 2 {
		t.Fatalf("copy after success: %d, %d calls (want a duplicate)", code, calls)
	}
}

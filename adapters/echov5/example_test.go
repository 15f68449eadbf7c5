package hooksealecho_test

import (
	"bytes"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/labstack/echo/v5"

	hooksealecho "github.com/hookseal/hookseal/adapters/echov5"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// A Checkly route on echo: an authentic delivery reaches the typed handler
// once, its retry is answered 200 duplicate, and a forgery 401.
func Example() {
	v, err := verify.Checkly(verify.Secrets("checkly-secret"))
	if err != nil {
		log.Fatal(err)
	}
	h, err := hooksealecho.Handler(v, func(c *echo.Context, e middleware.Event[checkly.Alert]) error {
		fmt.Println(e.Payload.AlertType, "for", e.Payload.CheckName, "on", c.Path())
		return nil
	}, middleware.WithOrdering(0))
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.POST("/hooks/checkly", h)

	// What Checkly sends, then its retry, then a forgery.
	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"api-health","check_name":"API health","started_at":"` +
		time.Now().UTC().Format(time.RFC3339) + `"}`)
	for _, secret := range []string{"checkly-secret", "checkly-secret", "guessed"} {
		header, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: time.Now()}, secret)
		req := httptest.NewRequest(http.MethodPost, "/hooks/checkly", bytes.NewReader(body))
		req.Header = header
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("Hookseal-Outcome"))
	}
	// Output:
	// ALERT_FAILURE for API health on /hooks/checkly
	// 200 processed
	// 200 duplicate
	// 401 unauthenticated
}

// The verify-only middleware in front of an application's own handler,
// which binds the body with c.Bind as usual and finds the delivery with
// DeliveryFrom.
func ExampleMiddleware() {
	v, err := verify.GitHub(verify.Secrets("github-secret"))
	if err != nil {
		log.Fatal(err)
	}
	mw, err := hooksealecho.Middleware(v)
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.POST("/hooks/github", func(c *echo.Context) error {
		var p struct {
			Action string `json:"action"`
		}
		if err := c.Bind(&p); err != nil {
			return err
		}
		d, _ := hooksealecho.DeliveryFrom(c)
		fmt.Println("authentic delivery from", d.Provider+":", p.Action)
		return c.NoContent(http.StatusNoContent)
	}, mw)

	body := []byte(`{"action":"opened"}`)
	for _, secret := range []string{"github-secret", "guessed"} {
		header, _ := verify.GitHubScheme().Sign(body, verify.SignOptions{}, secret)
		req := httptest.NewRequest(http.MethodPost, "/hooks/github", bytes.NewReader(body))
		req.Header = header
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Printf("%d %q\n", rec.Code, rec.Header().Get("Hookseal-Outcome"))
	}
	// Output:
	// authentic delivery from github: opened
	// 204 ""
	// 401 "unauthenticated"
}

// Config sets the middleware up in echo's style, here on a group whose
// health check is not a delivery.
func ExampleConfig_ToMiddleware() {
	v, err := verify.GitHub(verify.Secrets("github-secret"))
	if err != nil {
		log.Fatal(err)
	}
	mw, err := hooksealecho.Config{
		Verifier: v,
		Skipper:  func(c *echo.Context) bool { return c.Path() == "/hooks/health" },
		Options:  []middleware.Option{middleware.WithMaxBodyBytes(64 << 10)},
	}.ToMiddleware()
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	hooks := e.Group("/hooks", mw)
	hooks.GET("/health", func(c *echo.Context) error { return c.String(http.StatusOK, "ok") })
	hooks.POST("/github", func(c *echo.Context) error { return c.NoContent(http.StatusNoContent) })

	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "/hooks/health", nil),
		httptest.NewRequest(http.MethodPost, "/hooks/github", bytes.NewReader(make([]byte, 100<<10))),
	} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Printf("%s %d %q\n", req.URL.Path, rec.Code, rec.Header().Get("Hookseal-Outcome"))
	}
	// Output:
	// /hooks/health 200 ""
	// /hooks/github 413 "too_large"
}

package hooksealgin_test

import (
	"bytes"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gin-gonic/gin"

	hooksealgin "github.com/hookseal/hookseal/adapters/gin"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// A Checkly route on gin: an authentic delivery reaches the typed handler
// once, its retry is answered 200 duplicate, and a forgery 401.
func Example() {
	v, err := verify.Checkly(verify.Secrets("checkly-secret"))
	if err != nil {
		log.Fatal(err)
	}
	h, err := hooksealgin.Handler(v, func(c *gin.Context, e middleware.Event[checkly.Alert]) error {
		fmt.Println(e.Payload.AlertType, "for", e.Payload.CheckName, "on", c.FullPath())
		return nil
	}, middleware.WithOrdering(0))
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.POST("/hooks/checkly", h)

	// What Checkly sends, then its retry, then a forgery.
	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"api-health","check_name":"API health","started_at":"` +
		time.Now().UTC().Format(time.RFC3339) + `"}`)
	for _, secret := range []string{"checkly-secret", "checkly-secret", "guessed"} {
		header, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: time.Now()}, secret)
		req := httptest.NewRequest(http.MethodPost, "/hooks/checkly", bytes.NewReader(body))
		req.Header = header
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("Hookseal-Outcome"))
	}
	// Output:
	// ALERT_FAILURE for API health on /hooks/checkly
	// 200 processed
	// 200 duplicate
	// 401 unauthenticated
}

// The verify-only middleware in front of an application's own handler,
// which binds the body with c.ShouldBindJSON as usual and finds the
// delivery with DeliveryFrom.
func ExampleMiddleware() {
	v, err := verify.GitHub(verify.Secrets("github-secret"))
	if err != nil {
		log.Fatal(err)
	}
	mw, err := hooksealgin.Middleware(v)
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.POST("/hooks/github", mw, func(c *gin.Context) {
		var p struct {
			Action string `json:"action" binding:"required"`
		}
		if err := c.ShouldBindJSON(&p); err != nil {
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
		d, _ := hooksealgin.DeliveryFrom(c)
		fmt.Println("authentic delivery from", d.Provider+":", p.Action)
		c.Status(http.StatusNoContent)
	})

	body := []byte(`{"action":"opened"}`)
	for _, secret := range []string{"github-secret", "guessed"} {
		header, _ := verify.GitHubScheme().Sign(body, verify.SignOptions{}, secret)
		req := httptest.NewRequest(http.MethodPost, "/hooks/github", bytes.NewReader(body))
		req.Header = header
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Printf("%d %q\n", rec.Code, rec.Header().Get("Hookseal-Outcome"))
	}
	// Output:
	// authentic delivery from github: opened
	// 204 ""
	// 401 "unauthenticated"
}

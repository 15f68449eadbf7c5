package hooktest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

// A receiver's Checkly route under test: a signed alert is processed, its
// retry is a duplicate, a body changed after signing is refused, and a
// delivery stamped ten minutes ago is dropped as stale.
func Example() {
	v, err := verify.Checkly(verify.Secrets("channel-secret"))
	if err != nil {
		log.Fatal(err)
	}
	h, err := middleware.NewRoute(v, func(ctx context.Context, e middleware.Event[checkly.Alert]) error {
		fmt.Println("handler:", e.Type, e.Payload.AlertTitle)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	at := time.Now()
	body := hooktest.ChecklyBody(hooktest.ChecklyAlert(checkly.AlertFailure, at))
	signer := hooktest.Checkly("channel-secret")
	for _, opts := range [][]hooktest.Option{
		{hooktest.WithTimestamp(at)},                        // the alert
		{hooktest.WithTimestamp(at.Add(20 * time.Second))},  // Checkly's retry of it
		{hooktest.WithTimestamp(at), hooktest.Tampered()},   // changed on the way
		{hooktest.WithTimestamp(at.Add(-10 * time.Minute))}, // outside the window
	} {
		req, err := signer.Request("/hooks/checkly", body, opts...)
		if err != nil {
			log.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get(middleware.OutcomeHeader))
	}
	// Output:
	// handler: ALERT_FAILURE Checkout API has failed
	// 200 processed
	// 200 duplicate
	// 401 unauthenticated
	// 200 stale
}

// A Datadog route that accepts OAuth 2.0 bearer tokens: the issuer's
// Config is the verifier's configuration, and its tokens pass.
func ExampleJWTIssuer() {
	iss, err := hooktest.NewJWTIssuer("RS256", "https://login.example.com/", "https://hooks.example.com/datadog")
	if err != nil {
		log.Fatal(err)
	}
	v, err := jwt.New("datadog", iss.Config())
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	good, _ := iss.Header()
	expired, _ := iss.Header(hooktest.ExpiresIn(-time.Hour))
	body := hooktest.DatadogBody(hooktest.DatadogEvent("Triggered", time.Now()))

	d, err := v.Verify(good, body)
	fmt.Println(err == nil, d.SecretID, err)
	_, err = v.Verify(expired, body)
	fmt.Println(errors.Is(err, verify.ErrUnauthorized), errors.Is(err, jwt.ErrTokenExpired))
	// Output:
	// true hooktest-1 <nil>
	// true true
}

// Samples by provider name and event type, as the hookseal CLI's send
// command uses them.
func ExampleSampleBody() {
	at := time.Date(2025, 1, 19, 10, 30, 0, 0, time.UTC)
	body, err := hooktest.SampleBody("statusstack", "component.status_changed", at)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(body))
	fmt.Println(hooktest.EventTypes("grafana"))
	// Output:
	// {"event":"component.status_changed","timestamp":"2025-01-19T10:30:00Z","stack":{"id":"stack_abc123","name":"Production Infrastructure","slug":"production"},"component":{"id":"comp_xyz789","name":"Production API","previous_status":"operational","current_status":"critical"},"incident":{"id":"inc_123","created_at":"2025-01-19T10:30:00Z"}}
	// [firing resolved]
}

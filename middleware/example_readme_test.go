//lint:file-ignore U1000 main is the README's quick start: compiled by the tests, never run.

package middleware_test

import (
	"context"
	"log"
	"net/http"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

func main() {
	// CHECKLY_WEBHOOK_SECRET holds the secret ("new,old" during a rotation),
	// or CHECKLY_WEBHOOK_SECRET_FILE names a file with one per line.
	secrets, err := verify.SecretsFromEnv("CHECKLY_WEBHOOK_SECRET")
	if err != nil {
		log.Fatal(err) // unset, blank, or a stray newline: hookseal fails closed
	}
	v, err := verify.Checkly(secrets)
	if err != nil {
		log.Fatal(err)
	}
	handle := func(ctx context.Context, e middleware.Event[checkly.Alert]) error {
		a := e.Payload
		switch {
		case a.AlertType.IsFailure(): // ALERT_FAILURE, _REMAIN, ALERT_DEGRADED_FAILURE
			log.Printf("%s is failing: %s", a.CheckName, a.ResultLink)
		case a.AlertType.IsRecovery():
			log.Printf("%s recovered", a.CheckName)
		}
		return nil // 200; an error answers 500 and Checkly retries
	}
	// Ordering drops the late FAILURE retry that lands after the RECOVERY.
	route, err := middleware.NewRoute(v, handle, middleware.WithOrdering(0),
		middleware.WithObserver(middleware.SlogObserver(nil)))
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/webhooks/checkly", route)
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", nil))
}

//lint:file-ignore U1000 main is the README's quick start: compiled by the tests, never run.

package middleware_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

func main() {
	v, err := verify.Checkly(verify.Secrets(os.Getenv("CHECKLY_WEBHOOK_SECRET")))
	if err != nil {
		log.Fatal(err) // an empty secret is refused: hookseal fails closed
	}
	alerts := middleware.NewRouter[checkly.Alert]().
		On(string(checkly.AlertFailure), func(ctx context.Context, e middleware.Event[checkly.Alert]) error {
			log.Printf("%s is failing: %s", e.Payload.CheckName, e.Payload.CheckErrorMessage)
			return nil // 200; an error answers 500 and Checkly retries
		})
	// Ordering drops the late FAILURE retry that lands after the RECOVERY.
	h, err := middleware.Handle(v, alerts.Dispatch, middleware.WithOrdering(0),
		middleware.WithObserver(middleware.SlogObserver(nil)))
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/webhooks/checkly", h)
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", nil))
}

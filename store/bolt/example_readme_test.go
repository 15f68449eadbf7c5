//lint:file-ignore U1000 main is the README's inbox example: compiled by the tests, never run.

package boltstore_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os/signal"
	"syscall"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	boltstore "github.com/hookseal/hookseal/store/bolt"
	"github.com/hookseal/hookseal/verify"
)

func main() {
	secrets, err := verify.SecretsFromEnv("CHECKLY_WEBHOOK_SECRET")
	if err != nil {
		log.Fatal(err)
	}
	v, err := verify.Checkly(secrets)
	if err != nil {
		log.Fatal(err)
	}
	// One file holds the inbox and the dedupe and ordering state.
	db, err := boltstore.Open("/var/lib/hookseal/hookseal.db")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	runner, err := inbox.NewRunner(db.Inbox()) // retries for up to 24 h, then a dead letter
	if err != nil {
		log.Fatal(err)
	}
	route, err := middleware.NewRoute(v, page,
		middleware.WithName("checkly"), // the runner finds the route's handler by it
		middleware.WithStore(db.Store()),
		middleware.WithOrdering(0), // a check's alerts run one at a time, in order
		middleware.WithInbox(runner))
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- runner.Run(ctx) }()
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: route}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-ran // running handlers finish (or their entries wait) before the file closes
}

// page runs after Checkly has its 200 accepted, as often as it takes.
func page(ctx context.Context, e middleware.Event[checkly.Alert]) error {
	// e.IdempotencyKey is the same on every attempt: store it with the
	// page under a unique constraint and a second run pages no one twice.
	log.Printf("attempt %d: %s %s", e.Attempt, e.Type, e.Payload.CheckName)
	return nil // an error retries with backoff; inbox.Permanent(err) dead-letters at once
}

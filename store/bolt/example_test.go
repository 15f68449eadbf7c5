package boltstore_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	boltstore "github.com/hookseal/hookseal/store/bolt"
	"github.com/hookseal/hookseal/verify"
)

// A Checkly receiver on one machine, its inbox and dedupe state in one
// file: a delivery is answered "accepted" once it is fsync'd, the handler
// runs it on the inbox's runner, and after a restart the sender's retry of
// it is still recognised as a duplicate.
func Example() {
	dir, err := os.MkdirTemp("", "hookseal-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "hookseal.db")

	v, err := verify.Checkly(verify.Secrets("checkly-secret"))
	if err != nil {
		log.Fatal(err)
	}
	ran := make(chan string, 1)
	handle := func(_ context.Context, e middleware.Event[checkly.Alert]) error {
		ran <- fmt.Sprintf("ran %s of %s, attempt %d", e.Type, e.Payload.CheckID, e.Attempt)
		return nil
	}
	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"api-health","check_result_id":"r1","started_at":"` +
		time.Now().UTC().Format(time.RFC3339) + `"}`)

	// serve is one run of the receiver: it opens the file, serves one
	// delivery from Checkly and shuts down.
	serve := func() {
		db, err := boltstore.Open(path)
		if err != nil {
			log.Fatal(err)
		}
		defer db.Close()
		runner, err := inbox.NewRunner(db.Inbox())
		if err != nil {
			log.Fatal(err)
		}
		route, err := middleware.NewRoute(v, handle,
			middleware.WithName("checkly"), middleware.WithStore(db.Store()), middleware.WithInbox(runner))
		if err != nil {
			log.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { defer close(stopped); _ = runner.Run(ctx) }()
		defer func() { stop(); <-stopped }() // before db.Close: running entries finish

		header, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: time.Now()}, "checkly-secret")
		if err != nil {
			log.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/hooks/checkly", bytes.NewReader(body))
		req.Header = header
		w := httptest.NewRecorder()
		route.ServeHTTP(w, req)
		outcome := w.Header().Get(middleware.OutcomeHeader)
		fmt.Println(w.Code, outcome)
		if outcome == "accepted" {
			fmt.Println(<-ran)
		}
	}
	serve()
	serve() // restarted: Checkly retries the same delivery
	// Output:
	// 200 accepted
	// ran ALERT_FAILURE of api-health, attempt 1
	// 200 duplicate
}

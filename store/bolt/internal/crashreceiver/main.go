// Command crashreceiver is the receiver the crash tests kill: a Checkly
// route whose inbox, dedupe and ordering state live in one boltstore file,
// and whose handler calls a downstream over HTTP. It prints the address it
// listens on, then serves until it is killed.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	boltstore "github.com/hookseal/hookseal/store/bolt"
	"github.com/hookseal/hookseal/verify"
)

// Run is what the handler tells the downstream of each run.
type Run struct {
	Key      string    `json:"key"`
	Attempt  int       `json:"attempt"`
	Check    string    `json:"check"`
	Started  time.Time `json:"started"`
	Receiver int       `json:"receiver"` // the process id: which life of the receiver ran it
}

func main() {
	path := flag.String("db", "", "the boltstore file")
	addr := flag.String("addr", "127.0.0.1:0", "where to listen")
	downstream := flag.String("downstream", "", "the URL each run is POSTed to")
	secret := flag.String("secret", "", "the Checkly secret")
	flag.Parse()

	db, err := boltstore.Open(*path, boltstore.WithLockTimeout(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	// Short leases, backoffs and polls, so a test waits seconds, not minutes.
	runner, err := inbox.NewRunner(db.Inbox(), inbox.WithLease(time.Second), inbox.WithPoll(10*time.Millisecond),
		inbox.WithBackoff(20*time.Millisecond, 200*time.Millisecond), inbox.WithConcurrency(4))
	if err != nil {
		log.Fatal(err)
	}
	v, err := verify.Checkly(verify.Secrets(*secret))
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	handle := func(ctx context.Context, e middleware.Event[checkly.Alert]) error {
		run, _ := json.Marshal(Run{Key: e.IdempotencyKey, Attempt: e.Attempt, Check: e.Payload.CheckID,
			Started: e.Payload.StartedAt, Receiver: os.Getpid()})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, *downstream, bytes.NewReader(run))
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("downstream answered %d", resp.StatusCode)
		}
		return nil
	}
	route, err := middleware.NewRoute(v, handle, middleware.WithName("checkly"), middleware.WithStore(db.Store()),
		middleware.WithOrdering(0), middleware.WithInbox(runner), middleware.WithClaimLease(2*time.Second),
		middleware.WithRetryAfter(time.Second))
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = runner.Run(context.Background()) }()
	fmt.Println(ln.Addr().String())
	log.Fatal(http.Serve(ln, route))
}

// Package crashreceiver is the receiver the crash tests kill, whatever its
// backend: a Checkly route whose inbox, dedupe and ordering state live in
// the backend under test, and whose handler calls a downstream over HTTP.
// Each backend's command (store/bolt/internal/crashreceiver,
// store/redis/internal/crashreceiver) opens its inbox and store and calls
// [Serve], so the crash tests of every backend kill the same receiver.
// The tests' side (the downstream, the sender) is package crashtest.
package crashreceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// Run is what the handler tells the downstream of each run.
type Run struct {
	Key      string    `json:"key"`
	Attempt  int       `json:"attempt"`
	Check    string    `json:"check"`
	Started  time.Time `json:"started"`
	Receiver int       `json:"receiver"` // the process id: which life (or replica) of the receiver ran it
}

// The receiver's timings: short leases, backoffs and polls, so that a test
// waits seconds, not minutes.
const (
	Lease      = time.Second     // of an inbox entry; renewed while its handler runs
	ClaimLease = 2 * time.Second // of a delivery's dedupe claim
)

// Serve listens on addr (host:port; port 0 for any), prints the address it
// listens on to stdout, then serves the route and runs its inbox's
// entries, POSTing each run to downstream as a [Run], until the process
// is killed. It returns only on a setup or listening error.
func Serve(ib inbox.Inbox, st store.Store, addr, downstream, secret string) error {
	runner, err := inbox.NewRunner(ib, inbox.WithLease(Lease), inbox.WithPoll(10*time.Millisecond),
		inbox.WithBackoff(20*time.Millisecond, 200*time.Millisecond), inbox.WithConcurrency(4))
	if err != nil {
		return err
	}
	v, err := verify.Checkly(verify.Secrets(secret))
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	handle := func(ctx context.Context, e middleware.Event[checkly.Alert]) error {
		run, _ := json.Marshal(Run{Key: e.IdempotencyKey, Attempt: e.Attempt, Check: e.Payload.CheckID,
			Started: e.Payload.StartedAt, Receiver: os.Getpid()})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, downstream, bytes.NewReader(run))
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
	route, err := middleware.NewRoute(v, handle, middleware.WithName("checkly"), middleware.WithStore(st),
		middleware.WithOrdering(0), middleware.WithInbox(runner), middleware.WithClaimLease(ClaimLease),
		middleware.WithRetryAfter(time.Second))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	go func() { _ = runner.Run(context.Background()) }()
	fmt.Println(ln.Addr().String())
	return http.Serve(ln, route)
}

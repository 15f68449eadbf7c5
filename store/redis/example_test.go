package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
	"github.com/hookseal/hookseal/verify"
)

// A Checkly receiver that runs as several replicas: every replica points
// its route at the same Redis, so a retry landing on another replica is a
// duplicate, and a late FAILURE after its RECOVERY is dropped whichever
// replica gets it. (Needs a Redis server, so it is compiled, not run.)
func Example() {
	client := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer client.Close()

	st, err := redisstore.New(client, redisstore.WithPrefix("billing-hooks:"))
	if err != nil {
		log.Fatal(err)
	}
	v, err := verify.Checkly(verify.Secrets(os.Getenv("CHECKLY_WEBHOOK_SECRET")))
	if err != nil {
		log.Fatal(err)
	}
	route, err := middleware.NewRoute(v, func(ctx context.Context, e middleware.Event[checkly.Alert]) error {
		log.Printf("%s: %s", e.Payload.CheckName, e.Type)
		return nil
	},
		middleware.WithStore(st),   // shared by every replica
		middleware.WithOrdering(0), // drop events older than one processed
	)
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("POST /hooks/checkly", route)
	log.Fatal(http.ListenAndServe(":8080", nil))
}

// A Redis Cluster works the same way: every operation touches one key.
// Turning on ContextTimeoutEnabled lets go-redis give up a socket read as
// soon as the Store's timeout budget is spent.
func ExampleNew_cluster() {
	client := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 []string{"redis-0:6379", "redis-1:6379", "redis-2:6379"},
		ContextTimeoutEnabled: true,
	})
	st, err := redisstore.New(client, redisstore.WithTimeout(500*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	_ = st // pass to middleware.WithStore
}

// A program configured by a URL in its environment, as hookseal listen
// and the examples are: Dial checks that Redis answers before the receiver
// starts, so a wrong address or password stops it at once.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// e.g. redis://:password@redis.internal:6379/0, or rediss://... for TLS
	st, err := redisstore.Dial(ctx, os.Getenv("HOOKSEAL_REDIS_URL"))
	if err != nil {
		log.Fatal(err) // never quotes the URL, which may carry a password
	}
	defer st.Close() // closes the client Dial made
	// ... pass st to middleware.WithStore on every route.
}

// The Store used directly, as the middleware uses it: claim before the
// work, commit after it succeeds, release when it fails.
func ExampleStore_Claim() {
	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	st, err := redisstore.New(client)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	c, err := st.Claim(ctx, "my-delivery-id", time.Minute)
	if err != nil {
		log.Printf("Redis unavailable, ask the sender to retry: %v", err)
		return
	}
	switch c.State {
	case store.Done:
		return // processed before: a duplicate
	case store.InFlight:
		return // another replica is handling it right now
	}
	if err := doWork(ctx); err != nil {
		_ = st.Release(ctx, c) // the sender's retry will be processed
		return
	}
	if err := st.Commit(ctx, c, 10*time.Minute); errors.Is(err, store.ErrClaimLost) {
		log.Print("the work was done, but the lease had run out: a copy may run again")
	}
}

func doWork(context.Context) error { return nil }

// A Checkly route that answers "accepted" once a delivery is in an inbox
// kept in Redis, and runs its handler from there: every replica of the
// receiver builds the same route on the same Redis, so any of them accepts
// a delivery, any of them runs it (retrying through outages, taking over
// the entries of a replica that crashed), and a check's alerts run one at
// a time, in the order they happened.
//
// The example starts a throw-away redis-server (package redistest); a
// receiver would connect to its Redis, Sentinel or Cluster instead.
func ExampleNewInbox() {
	dir, err := os.MkdirTemp("", "hookseal-inbox-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	srv, err := redistest.NewServer(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Kill()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer client.Close()

	st, err := redisstore.New(client) // dedupe, shared by every replica
	if err != nil {
		log.Fatal(err)
	}
	ib, err := redisstore.NewInbox(client, "checkly") // one consumer per replica
	if err != nil {
		log.Fatal(err)
	}
	runner, err := inbox.NewRunner(ib, inbox.WithPoll(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	const secret = "checkly-webhook-secret"
	v, err := verify.Checkly(verify.Secrets(secret))
	if err != nil {
		log.Fatal(err)
	}
	handled := make(chan string, 1)
	route, err := middleware.NewRoute(v, func(_ context.Context, e middleware.Event[checkly.Alert]) error {
		handled <- fmt.Sprintf("handled %s of %s, attempt %d", e.Payload.AlertType, e.Payload.CheckName, e.Attempt)
		return nil
	}, middleware.WithName("checkly"), middleware.WithStore(st), middleware.WithInbox(runner))
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = runner.Run(ctx) }()
	defer func() { stop(); <-stopped; _ = ib.Close(context.Background()) }()
	hooks := httptest.NewServer(route)
	defer hooks.Close()

	// Checkly delivers an alert, then retries it (its answer was lost, say).
	body := fmt.Appendf(nil, `{"alert_type":"ALERT_FAILURE","check_id":"0d7c7c4e-4e8c-4f5a-9d4e-2b7f0a6c1e11","check_name":"Checkout API","started_at":%q}`,
		time.Now().UTC().Format(time.RFC3339))
	for range 2 {
		h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: time.Now()}, secret)
		if err != nil {
			log.Fatal(err)
		}
		req, err := http.NewRequest(http.MethodPost, hooks.URL, bytes.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		req.Header = h
		req.Header.Set("Content-Type", "application/json")
		resp, err := hooks.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get(middleware.OutcomeHeader))
	}
	fmt.Println(<-handled)
	// Output:
	// 200 accepted
	// 200 duplicate
	// handled ALERT_FAILURE of Checkout API, attempt 1
}

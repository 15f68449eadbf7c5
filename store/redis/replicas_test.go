package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
	"github.com/hookseal/hookseal/verify"
)

// These tests run a receiver as two replicas, each an http.Server with its
// own route, store and Redis client, sharing one redis-server, and send
// them Checkly deliveries signed as Checkly signs them.

const secret = "checkly-webhook-secret-for-tests"

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// replicas is one receiver deployed twice.
type replicas struct {
	a, b   *replica
	clock  *middlewaretest.Clock // the time the replicas judge freshness by
	prefix string
	calls  atomic.Int32
	mu     sync.Mutex
	seen   []string // event types the handler saw, in order, on either replica
}

type replica struct {
	name   string
	srv    *httptest.Server
	client *redis.Client
}

func newReplicas(t *testing.T, addr string, fn middleware.HandlerFunc[checkly.Alert], storeOpts []redisstore.Option, opts ...middleware.Option) *replicas {
	t.Helper()
	rs := &replicas{clock: middlewaretest.NewClock(t0), prefix: uniquePrefix(t)}
	handler := func(ctx context.Context, e middleware.Event[checkly.Alert]) error {
		rs.calls.Add(1)
		rs.mu.Lock()
		rs.seen = append(rs.seen, e.Type)
		rs.mu.Unlock()
		if fn == nil {
			return nil
		}
		return fn(ctx, e)
	}
	mk := func(name string) *replica {
		client := newClient(t, addr) // each replica has its own connections
		st := newStore(t, client, append([]redisstore.Option{redisstore.WithPrefix(rs.prefix)}, storeOpts...)...)
		v, err := verify.Checkly(verify.Secrets(secret))
		if err != nil {
			t.Fatal(err)
		}
		h, err := middleware.NewRoute(v, handler, append([]middleware.Option{middleware.WithStore(st), middleware.WithClock(rs.clock.Now)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return &replica{name: name, srv: srv, client: client}
	}
	rs.a, rs.b = mk("A"), mk("B")
	return rs
}

func (rs *replicas) seenTypes() string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return fmt.Sprint(rs.seen)
}

// alertBody is a Checkly alert rendered by a template with the
// recommended snake_case keys.
func alertBody(typ checkly.AlertType, checkID string, started time.Time) []byte {
	return fmt.Appendf(nil, `{"alert_title":"Checkout API %s","alert_type":%q,"check_id":%q,"check_name":"Checkout API","check_type":"API","started_at":%q,"response_time":"1649","tags":["prod"]}`,
		typ, typ, checkID, started.Format(time.RFC3339Nano))
}

// answer is what a replica answered.
type answer struct {
	status  int
	outcome middleware.Outcome
	took    time.Duration
}

// send delivers body to r as Checkly would at sentAt.
func (r *replica) send(t *testing.T, body []byte, sentAt time.Time) answer {
	t.Helper()
	h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: sentAt}, secret)
	if err != nil {
		t.Error(err)
		return answer{}
	}
	req, err := http.NewRequest(http.MethodPost, r.srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return answer{}
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		t.Errorf("replica %s: %v", r.name, err)
		return answer{}
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return answer{resp.StatusCode, middleware.Outcome(resp.Header.Get(middleware.OutcomeHeader)), time.Since(start)}
}

func expect(t *testing.T, r *replica, got answer, want middleware.Outcome) {
	t.Helper()
	if got.outcome != want || got.status != want.Status() {
		t.Fatalf("replica %s answered %d %s, want %d %s", r.name, got.status, got.outcome, want.Status(), want)
	}
}

// The same delivery sent to both replicas at once, several times over, and
// again later: the handler runs exactly once.
func TestReplicasProcessDeliveryOnce(t *testing.T) {
	srv := needRedis(t)
	rs := newReplicas(t, srv.Addr, func(context.Context, middleware.Event[checkly.Alert]) error {
		time.Sleep(20 * time.Millisecond) // widen the window for the race
		return nil
	}, nil)
	body := alertBody(checkly.AlertFailure, "0d7c7c4e-4e8c-4f5a-9d4e-2b7f0a6c1e11", t0)

	const copies = 8 // to each replica
	var wg sync.WaitGroup
	answers := make(chan answer, 2*copies)
	start := make(chan struct{})
	for _, r := range []*replica{rs.a, rs.b} {
		for range copies {
			wg.Go(func() {
				<-start
				answers <- r.send(t, body, t0)
			})
		}
	}
	close(start)
	wg.Wait()
	close(answers)
	counts := map[middleware.Outcome]int{}
	for a := range answers {
		counts[a.outcome]++
	}
	if rs.calls.Load() != 1 || counts[middleware.Processed] != 1 ||
		counts[middleware.Processed]+counts[middleware.InFlight]+counts[middleware.Duplicate] != 2*copies {
		t.Fatalf("handler calls = %d, outcomes = %v; want one call, one processed, the rest in_flight or duplicate", rs.calls.Load(), counts)
	}

	// Checkly's retries, 20 s apart, to either replica.
	for i, r := range []*replica{rs.b, rs.a, rs.b} {
		at := t0.Add(time.Duration(i+1) * 20 * time.Second)
		rs.clock.Set(at)
		expect(t, r, r.send(t, body, at), middleware.Duplicate)
	}
	if rs.calls.Load() != 1 {
		t.Fatalf("handler calls = %d after the retries, want 1", rs.calls.Load())
	}

	// One delivery, one key, in the dedupe namespace.
	keys, err := rs.a.client.Keys(t.Context(), rs.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || len(keys[0]) != len(rs.prefix+"dedupe:")+64 || !strings.HasPrefix(keys[0], rs.prefix+"dedupe:") {
		t.Fatalf("keys = %q, want one: %sdedupe: and the delivery's 64-hex key", keys, rs.prefix)
	}
}

// Checkly's documented scenario across replicas: a check fails at t=0 and
// the FAILURE delivery's handler fails; the RECOVERY (t=60 s) is processed
// on replica A; the FAILURE retry (t=80 s) lands on replica B, which must
// drop it as out of order, so the handler saw RECOVERY last.
func TestReplicasLateFailureAfterRecovery(t *testing.T) {
	srv := needRedis(t)
	var failFirst atomic.Bool
	failFirst.Store(true)
	rs := newReplicas(t, srv.Addr, func(_ context.Context, e middleware.Event[checkly.Alert]) error {
		if e.Payload.AlertType == checkly.AlertFailure && failFirst.CompareAndSwap(true, false) {
			return errors.New("downstream briefly unavailable")
		}
		return nil
	}, nil, middleware.WithOrdering(0))
	const check = "3f9a6a1e-5b9c-4d6e-8f10-2a3b4c5d6e7f"
	failure := alertBody(checkly.AlertFailure, check, t0)
	recovery := alertBody(checkly.AlertRecovery, check, t0.Add(60*time.Second))

	expect(t, rs.a, rs.a.send(t, failure, t0), middleware.HandlerError)

	rs.clock.Set(t0.Add(60 * time.Second))
	expect(t, rs.a, rs.a.send(t, recovery, t0.Add(60*time.Second)), middleware.Processed)

	rs.clock.Set(t0.Add(80 * time.Second))
	expect(t, rs.b, rs.b.send(t, failure, t0.Add(80*time.Second)), middleware.OutOfOrder)

	// Its later retries, on either replica, are duplicates.
	rs.clock.Set(t0.Add(100 * time.Second))
	expect(t, rs.a, rs.a.send(t, failure, t0.Add(100*time.Second)), middleware.Duplicate)
	expect(t, rs.b, rs.b.send(t, failure, t0.Add(100*time.Second)), middleware.Duplicate)

	if got, want := rs.seenTypes(), fmt.Sprint([]string{"ALERT_FAILURE", "ALERT_RECOVERY"}); got != want {
		t.Fatalf("handler saw %s, want %s (RECOVERY last)", got, want)
	}

	// The resource's newest time is in Redis, in milliseconds, under the
	// provider and the scope of the route's secret.
	keys, err := rs.b.client.Keys(t.Context(), rs.prefix+"order:checkly:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !strings.HasSuffix(keys[0], ":"+check) {
		t.Fatalf("ordering keys = %q, want one: %sorder:checkly:<scope>:%s", keys, rs.prefix, check)
	}
	v, err := rs.b.client.Get(t.Context(), keys[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.FormatInt(t0.Add(60*time.Second).UnixMilli(), 10); v != want {
		t.Fatalf("ordering state = %s, want %s (the RECOVERY's time)", v, want)
	}
}

// Redis goes away mid-test: both replicas answer 503 store_unavailable,
// promptly, without calling the handler. Redis comes back on the same
// port (empty): the sender's retry is processed exactly once.
func TestRedisOutageFailsClosed(t *testing.T) {
	srv := redistest.Start(t)
	rs := newReplicas(t, srv.Addr, nil, nil, middleware.WithOrdering(0))
	const check = "7b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

	// Up: a first delivery goes through, so both replicas hold pooled
	// connections when Redis dies.
	expect(t, rs.a, rs.a.send(t, alertBody(checkly.AlertFailure, check, t0), t0), middleware.Processed)
	expect(t, rs.b, rs.b.send(t, alertBody(checkly.AlertFailure, check, t0), t0), middleware.Duplicate)

	srv.Kill()
	body := alertBody(checkly.AlertRecovery, check, t0.Add(time.Minute))
	rs.clock.Set(t0.Add(time.Minute))
	for _, r := range []*replica{rs.a, rs.b, rs.a} {
		got := r.send(t, body, t0.Add(time.Minute))
		expect(t, r, got, middleware.StoreUnavailable)
		// Senders wait 4 to 15 s; the default 1 s budget keeps well inside.
		if got.took > 3*time.Second {
			t.Errorf("replica %s took %v to answer 503", r.name, got.took)
		}
		t.Logf("replica %s: 503 after %v with Redis down", r.name, got.took.Round(time.Millisecond))
	}
	if rs.calls.Load() != 1 {
		t.Fatalf("handler calls = %d while Redis was down, want none", rs.calls.Load()-1)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// The sender retries until it gets an answer other than 503 (go-redis
	// may need a moment to reconnect).
	at := t0.Add(80 * time.Second)
	rs.clock.Set(at)
	var got answer
	deadline := time.Now().Add(15 * time.Second)
	for {
		got = rs.b.send(t, body, at)
		if got.outcome != middleware.StoreUnavailable || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, rs.b, got, middleware.Processed)
	expect(t, rs.a, rs.a.send(t, body, at), middleware.Duplicate)
	if got, want := rs.seenTypes(), fmt.Sprint([]string{"ALERT_FAILURE", "ALERT_RECOVERY"}); got != want {
		t.Fatalf("handler saw %s, want %s", got, want)
	}
}

// Redis stops answering but keeps its port open (paused, like a stuck or
// partitioned server): the timeout budget still bounds every call, and
// every request is answered promptly.
func TestHungRedisBoundedByTimeout(t *testing.T) {
	srv := redistest.Start(t)
	const budget = 300 * time.Millisecond
	ctx := t.Context()

	client := newClient(t, srv.Addr) // default options: ContextTimeoutEnabled is off
	s := newStore(t, client, redisstore.WithTimeout(budget), redisstore.WithPrefix(uniquePrefix(t)))
	rs := newReplicas(t, srv.Addr, nil, []redisstore.Option{redisstore.WithTimeout(budget)},
		middleware.WithOrdering(0), middleware.WithClaimLease(time.Second))
	body := alertBody(checkly.AlertFailure, "c1", t0)
	// Warm up: pooled connections, cached scripts.
	if _, err := s.Claim(ctx, "warm", time.Minute); err != nil {
		t.Fatal(err)
	}
	expect(t, rs.a, rs.a.send(t, alertBody(checkly.AlertFailure, "c0", t0), t0), middleware.Processed)

	if err := srv.Pause(); errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("cannot pause redis-server here: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if err := srv.Resume(); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer resume()

	start := time.Now()
	_, err := s.Claim(ctx, "k", time.Minute)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Claim against a hung Redis = %v, want an error wrapping context.DeadlineExceeded", err)
	}
	if took > 3*time.Second {
		t.Errorf("Claim took %v with a %v budget", took, budget)
	}
	t.Logf("hung Redis: %v (after %v)", err, took.Round(time.Millisecond))

	// The caller's own context ending is reported as such.
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := s.Advance(cctx, "r", t0, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("Advance cancelled by its caller = %v, want an error wrapping context.Canceled", err)
	}

	got := rs.b.send(t, body, t0)
	expect(t, rs.b, got, middleware.StoreUnavailable)
	if got.took > 3*time.Second {
		t.Errorf("replica B took %v to answer 503", got.took)
	}
	if rs.calls.Load() != 1 {
		t.Fatal("the handler ran while Redis was hung")
	}

	resume()
	// The claim that timed out may have reached Redis once it resumed: the
	// retry is then in flight until its 1 s lease ends, and processed after.
	deadline := time.Now().Add(15 * time.Second)
	for {
		got = rs.a.send(t, body, t0)
		if got.outcome != middleware.StoreUnavailable && got.outcome != middleware.InFlight || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, rs.a, got, middleware.Processed)
	expect(t, rs.b, rs.b.send(t, body, t0), middleware.Duplicate)
	if rs.calls.Load() != 2 {
		t.Fatalf("handler calls = %d, want 2 (c0 and c1 once each)", rs.calls.Load())
	}
}

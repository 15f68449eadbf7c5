package redisstore_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/inbox/inboxtest"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
	"github.com/hookseal/hookseal/store/storetest"
	"github.com/hookseal/hookseal/verify"
)

// These tests run the Store and the Inbox on a real Redis Cluster of three
// primaries and on a real Sentinel deployment (a primary, a replica, a
// sentinel), each reached through the URL form Dial takes, and kill a
// primary while two replicas of a receiver take duplicated deliveries.

// clusterURL is the redis+cluster:// URL of cl's primaries.
func clusterURL(cl *redistest.Cluster) string {
	return "redis+cluster://" + strings.Join(cl.Addrs, ",")
}

// dialURL returns a client of rawURL as Dial makes it, closed when t ends.
func dialURL(t testing.TB, rawURL string) redis.UniversalClient {
	t.Helper()
	cfg, err := redisstore.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := cfg.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

func TestDeploymentContracts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster and a sentinel deployment")
	}
	for _, d := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"cluster", func(t *testing.T) string { return clusterURL(redistest.StartCluster(t, 3)) }},
		{"sentinel", func(t *testing.T) string { return redistest.StartSentinel(t, "hookseal").URL() }},
	} {
		t.Run(d.name, func(t *testing.T) {
			client := dialURL(t, d.url(t))
			t.Run("store", func(t *testing.T) {
				storetest.Run(t, func(t *testing.T) store.Store {
					return newStore(t, client, redisstore.WithPrefix(uniquePrefix(t)))
				})
			})
			t.Run("inbox", func(t *testing.T) {
				inboxtest.Run(t, func(t *testing.T, c inboxtest.Config) inbox.Inbox {
					return newInbox(t, client, uniqueName(t), redisstore.WithMaxEntries(c.MaxEntries))
				})
			})
		})
	}
}

// A Node URL that names a Cluster node is refused at Dial, rather than
// answering MOVED for most deliveries.
func TestDialRefusesAClusterNodeAsANode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	cl := redistest.StartCluster(t, 1)
	_, err := redisstore.Dial(dialCtx(t), "redis://"+cl.Addrs[0]+"/0")
	if err == nil || !strings.Contains(err.Error(), "redis+cluster://") {
		t.Fatalf("Dial of a cluster node as a single server: %v, want an error saying to use redis+cluster://", err)
	}
}

// failoverRun is two replicas of an ordering receiver, each with its own
// client of one deployment, taking every delivery twice at once (a
// duplicate on each), with the sender retrying a copy answered 503 or 409
// every 100 ms, as senders retry.
type failoverRun struct {
	a, b     *httptest.Server
	mu       sync.Mutex
	handled  map[string]int       // check id → handler runs
	answered map[string]time.Time // check id → first 200
	unavail  []time.Time          // every 503 answer
	failures []string
}

func newFailoverRun(t *testing.T, rawURL string) *failoverRun {
	t.Helper()
	fr := &failoverRun{handled: map[string]int{}, answered: map[string]time.Time{}}
	prefix := uniquePrefix(t)
	handler := func(_ context.Context, e middleware.Event[checkly.Alert]) error {
		fr.mu.Lock()
		fr.handled[e.Payload.CheckID]++
		fr.mu.Unlock()
		return nil
	}
	mk := func() *httptest.Server {
		st := newStore(t, dialURL(t, rawURL), redisstore.WithPrefix(prefix), redisstore.WithTimeout(500*time.Millisecond))
		v, err := verify.Checkly(verify.Secrets(secret))
		if err != nil {
			t.Fatal(err)
		}
		h, err := middleware.NewRoute(v, handler, middleware.WithStore(st), middleware.WithOrdering(0))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv
	}
	fr.a, fr.b = mk(), mk()
	return fr
}

// deliver sends delivery i to both replicas at once and retries each copy
// answered 503 or 409 until one copy is answered 200, or until deadline.
func (fr *failoverRun) deliver(i int, deadline time.Time) {
	id := fmt.Sprintf("0d7c7c4e-4e8c-4f5a-9d4e-%012d", i)
	body := alertBody(checkly.AlertFailure, id, time.Now().Add(-time.Second))
	var wg sync.WaitGroup
	done := make(chan struct{})
	var once sync.Once
	for _, srv := range []*httptest.Server{fr.a, fr.b} {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				status, outcome := fr.post(srv, body)
				switch {
				case status == http.StatusOK:
					fr.mu.Lock()
					if _, ok := fr.answered[id]; !ok && outcome == string(middleware.Processed) {
						fr.answered[id] = time.Now()
					}
					fr.mu.Unlock()
					once.Do(func() { close(done) })
					return
				case status == http.StatusServiceUnavailable:
					fr.mu.Lock()
					fr.unavail = append(fr.unavail, time.Now())
					fr.mu.Unlock()
				case status == http.StatusConflict: // in flight on the other replica
				default:
					fr.mu.Lock()
					fr.failures = append(fr.failures, fmt.Sprintf("delivery %d: %d %s", i, status, outcome))
					fr.mu.Unlock()
					return
				}
				select {
				case <-done:
					return // the other copy was handled; the sender stops
				case <-time.After(100 * time.Millisecond):
				}
			}
		})
	}
	wg.Wait()
}

func (fr *failoverRun) post(srv *httptest.Server, body []byte) (int, string) {
	h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: time.Now()}, secret)
	if err != nil {
		return 0, err.Error()
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		return 0, err.Error()
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get(middleware.OutcomeHeader)
}

// run sends a delivery every 20 ms (each twice), kills the primary after
// 1 s with kill, which returns when the replica's promotion was seen, and
// goes on for 3 s after it; then it checks and reports.
func (fr *failoverRun) run(t *testing.T, kill func() (time.Time, error)) {
	t.Helper()
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	n := 0
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			i := n
			n++
			wg.Go(func() { fr.deliver(i, time.Now().Add(30*time.Second)) })
		}
	})
	time.Sleep(time.Second)
	killed := time.Now()
	promoted, err := kill()
	if err != nil {
		close(stop)
		wg.Wait()
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()

	fr.mu.Lock()
	defer fr.mu.Unlock()
	twice, lost := 0, 0
	for i := range n {
		id := fmt.Sprintf("0d7c7c4e-4e8c-4f5a-9d4e-%012d", i)
		switch fr.handled[id] {
		case 0:
			lost++
		case 1:
		default:
			twice++
		}
	}
	var first, last time.Time
	for _, at := range fr.unavail {
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	}
	after := "none after the promotion"
	if last.After(promoted) {
		after = fmt.Sprintf("the last %v after it", last.Sub(promoted).Round(time.Millisecond))
	}
	window := "no 503"
	if !first.IsZero() {
		window = fmt.Sprintf("503s from %v to %v after the kill (%d answers)", first.Sub(killed).Round(time.Millisecond), last.Sub(killed).Round(time.Millisecond), len(fr.unavail))
	}
	t.Logf("%d deliveries over %v, each sent to both replicas: %d handled twice, %d never handled; "+
		"primary killed at %v, replica promoted %v later; %s; %s",
		n, time.Since(start).Round(time.Millisecond), twice, lost, killed.Sub(start).Round(time.Millisecond),
		promoted.Sub(killed).Round(time.Millisecond), window, after)
	if twice != 0 || lost != 0 {
		t.Errorf("%d deliveries handled twice and %d never handled; want 0 and 0", twice, lost)
	}
	if last.Sub(promoted) > 10*time.Second {
		t.Errorf("503s went on %v after the promotion; want them to stop within 10 s", last.Sub(promoted))
	}
	for _, f := range fr.failures[:min(len(fr.failures), 5)] {
		t.Errorf("unexpected answer: %s", f)
	}
}

// SIGKILL of a Cluster primary while two replicas of a receiver take
// duplicated deliveries: none is handled twice or lost, and the 503s stop
// within moments of the replica's promotion (they went on for up to a
// minute when go-redis waited for its periodic slot reload).
func TestClusterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a cluster primary and waits for the failover")
	}
	cl := redistest.StartCluster(t, 3, "--cluster-node-timeout", "1000")
	replica := cl.StartReplica(t, cl.Servers[0])
	fr := newFailoverRun(t, clusterURL(cl))
	fr.run(t, func() (time.Time, error) { return cl.KillPrimary(cl.Servers[0], replica, 30*time.Second) })
}

// SIGKILL of the primary of a Sentinel deployment, likewise.
func TestSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a primary and waits for the failover")
	}
	s := redistest.StartSentinel(t, "hookseal")
	fr := newFailoverRun(t, s.URL())
	fr.run(t, func() (time.Time, error) {
		s.Primary.Kill()
		return s.WaitFailover(30 * time.Second)
	})
}

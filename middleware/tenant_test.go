package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// tenantSecrets is the operator's store of tenants' secrets: a map behind
// a verify.SecretSource, with a count of lookups, a switch that makes
// lookups fail, and a gate that holds them.
type tenantSecrets struct {
	mu      sync.Mutex
	m       map[string][]verify.Secret
	calls   map[string]int
	total   atomic.Int64
	down    atomic.Bool
	gate    chan struct{} // when set, lookups wait for it to close
	entered chan struct{} // when set, told of each lookup
}

func newTenantSecrets(n int) *tenantSecrets {
	s := &tenantSecrets{m: map[string][]verify.Secret{}, calls: map[string]int{}}
	for i := range n {
		s.m[tenantName(i)] = []verify.Secret{{ID: "s1", Value: tenantSecret(i)}}
	}
	return s
}

func tenantName(i int) string   { return fmt.Sprintf("tenant-%04d", i) }
func tenantSecret(i int) string { return fmt.Sprintf("secret-of-tenant-%04d", i) }

func (s *tenantSecrets) set(tenant string, secrets ...verify.Secret) {
	s.mu.Lock()
	s.m[tenant] = secrets
	s.mu.Unlock()
}

func (s *tenantSecrets) lookups(tenant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[tenant]
}

func (s *tenantSecrets) Secrets(ctx context.Context, tenant string) ([]verify.Secret, error) {
	s.total.Add(1)
	s.mu.Lock()
	s.calls[tenant]++
	sec, ok := s.m[tenant]
	gate, entered := s.gate, s.entered
	s.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.down.Load() {
		return nil, errors.New("secrets table: connection refused")
	}
	if !ok {
		return nil, verify.ErrUnknownTenant
	}
	return sec, nil
}

// tenantPattern is the one route every tenant's sender is given a URL of.
const tenantPattern = "/hooks/{tenant}/checkly"

func pathTenant(r *http.Request) string { return r.PathValue("tenant") }

// tenantServer is one route for every tenant, over real HTTP, with
// ordering, on a clock the test steps.
type tenantServer struct {
	srv   *httptest.Server
	clock *middlewaretest.Clock
	src   *tenantSecrets
	obs   *recorder

	mu      sync.Mutex
	handled map[string][]string // tenant (TenantFrom) → "type check" in order
}

func newTenantServer(t *testing.T, tenants int, opts ...middleware.Option) *tenantServer {
	t.Helper()
	s := &tenantServer{clock: middlewaretest.NewClock(t0), src: newTenantSecrets(tenants), obs: &recorder{},
		handled: map[string][]string{}}
	auth, err := verify.PerTenant(func(sec []verify.Secret) (verify.Verifier, error) { return verify.Checkly(sec) },
		s.src, verify.WithTenantClock(s.clock.Now), verify.WithLookupTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	handle := func(ctx context.Context, e middleware.Event[alert]) error {
		tenant, ok := middleware.TenantFrom(ctx)
		if !ok {
			return errors.New("the handler got no tenant")
		}
		s.mu.Lock()
		s.handled[tenant] = append(s.handled[tenant], e.Type+" "+e.Payload.CheckID)
		s.mu.Unlock()
		return nil
	}
	opts = append([]middleware.Option{middleware.WithTenant(pathTenant), middleware.WithOrdering(0),
		middleware.WithStore(store.NewMemory(store.WithClock(s.clock.Now))), middleware.WithClock(s.clock.Now),
		middleware.WithObserver(s.obs.observe)}, opts...)
	rt, err := middleware.NewRoute(auth, handle, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(tenantPattern, rt)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// deliver sends body to tenant's URL signed with secret, now.
func (s *tenantServer) deliver(t testing.TB, tenant, secret string, body []byte) (int, middleware.Outcome, http.Header) {
	t.Helper()
	h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: s.clock.Now()}, secret)
	if err != nil {
		t.Error(err)
		return 0, "", nil
	}
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/hooks/"+tenant+"/checkly", bytes.NewReader(body))
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Error(err)
		return 0, "", nil
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, middleware.Outcome(resp.Header.Get(middleware.OutcomeHeader)), resp.Header
}

func (s *tenantServer) expect(t testing.TB, what, tenant, secret string, body []byte, want middleware.Outcome) http.Header {
	t.Helper()
	status, got, h := s.deliver(t, tenant, secret, body)
	if status != want.Status() || got != want {
		t.Errorf("%s: %d %s, want %d %s", what, status, got, want.Status(), want)
	}
	return h
}

func (s *tenantServer) handledBy(tenant string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.handled[tenant])
}

func (s *tenantServer) handledCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.handled {
		n += len(h)
	}
	return n
}

// One route, a thousand tenants with secrets of their own: each tenant's
// delivery is processed and attributed to it, one lookup each; a delivery
// signed with one tenant's secret and sent to another's URL is refused.
func TestTenantsOneRoute(t *testing.T) {
	n := 1000
	if raceEnabled {
		n = 100 // each tenant's first delivery derives its scope with PBKDF2, slow under the race detector
	}
	s := newTenantServer(t, n)
	deliver := func(i int) {
		body := alertBody("ALERT_FAILURE", "check-"+tenantName(i), s.clock.Now())
		s.expect(t, tenantName(i), tenantName(i), tenantSecret(i), body, middleware.Processed)
	}
	// Each tenant's first delivery is CPU-bound (its key is derived): all
	// but the last are sent from one goroutine per CPU, the last alone, so
	// that it is the last report.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n-1; i = int(next.Add(1)) - 1 {
				deliver(i)
			}
		})
	}
	wg.Wait()
	deliver(n - 1)
	for i := range n {
		if got, want := s.handledBy(tenantName(i)), []string{"ALERT_FAILURE check-" + tenantName(i)}; !slices.Equal(got, want) {
			t.Fatalf("%s handled %q, want %q", tenantName(i), got, want)
		}
	}
	if got := s.src.total.Load(); got != int64(n) {
		t.Errorf("%d lookups for %d tenants, want one each", got, n)
	}
	if rep := s.obs.last(t); rep.Tenant != tenantName(n-1) || rep.Route != tenantPattern {
		t.Errorf("report tenant %q route %q", rep.Tenant, rep.Route)
	}

	// Tenant 1's signature on tenant 2's URL.
	body := alertBody("ALERT_RECOVERY", "check-x", s.clock.Now())
	s.expect(t, "tenant 1's secret on tenant 2's URL", tenantName(2), tenantSecret(1), body, middleware.Unauthenticated)
	if rep := s.obs.last(t); rep.Reason() != "invalid_signature" || rep.Tenant != tenantName(2) {
		t.Errorf("report reason %q tenant %q", rep.Reason(), rep.Tenant)
	}
	if got := s.handledCount(); got != n {
		t.Errorf("%d deliveries handled, want %d", got, n)
	}
}

// Two tenants with the same secret receive byte-identical bodies: both are
// processed, neither is the other's duplicate, and ordering is per tenant.
func TestTenantsKeepStateApart(t *testing.T) {
	s := newTenantServer(t, 0)
	s.src.set("twin-a", verify.Secret{ID: "s1", Value: "one-secret-for-both"})
	s.src.set("twin-b", verify.Secret{ID: "s1", Value: "one-secret-for-both"})
	const sec = "one-secret-for-both"
	failure := alertBody("ALERT_FAILURE", "check-1", t0)
	s.expect(t, "twin-a FAILURE", "twin-a", sec, failure, middleware.Processed)
	s.expect(t, "twin-b the same bytes", "twin-b", sec, failure, middleware.Processed)
	s.expect(t, "twin-a again", "twin-a", sec, failure, middleware.Duplicate)

	s.clock.Add(2 * time.Minute)
	s.expect(t, "twin-a RECOVERY", "twin-a", sec, alertBody("ALERT_RECOVERY", "check-1", t0.Add(2*time.Minute)), middleware.Processed)
	late := alertBody("ALERT_DEGRADED", "check-1", t0.Add(time.Minute))
	s.expect(t, "twin-a an event older than its RECOVERY", "twin-a", sec, late, middleware.OutOfOrder)
	s.expect(t, "twin-b the same event, newer than its own last", "twin-b", sec, late, middleware.Processed)

	if got, want := s.handledBy("twin-a"), []string{"ALERT_FAILURE check-1", "ALERT_RECOVERY check-1"}; !slices.Equal(got, want) {
		t.Errorf("twin-a handled %q, want %q", got, want)
	}
	if got, want := s.handledBy("twin-b"), []string{"ALERT_FAILURE check-1", "ALERT_DEGRADED check-1"}; !slices.Equal(got, want) {
		t.Errorf("twin-b handled %q, want %q", got, want)
	}
}

// A thousand deliveries for one tenant make one lookup; a rotation in the
// store is picked up once the cache's ttl has passed.
func TestTenantSecretsAreCached(t *testing.T) {
	s := newTenantServer(t, 3)
	for i := range 1000 {
		s.expect(t, "delivery", tenantName(0), tenantSecret(0), alertBody("ALERT_FAILURE", fmt.Sprint("check-", i), s.clock.Now()), middleware.Processed)
	}
	if n := s.src.lookups(tenantName(0)); n != 1 {
		t.Errorf("%d lookups for 1000 deliveries, want 1", n)
	}

	s.expect(t, "the old secret", tenantName(1), tenantSecret(1), alertBody("ALERT_FAILURE", "r-0", s.clock.Now()), middleware.Processed)
	s.src.set(tenantName(1), verify.Secret{ID: "s2", Value: "rotated"})
	s.expect(t, "the new secret, before it is read", tenantName(1), "rotated", alertBody("ALERT_FAILURE", "r-1", s.clock.Now()), middleware.Unauthenticated)
	s.clock.Add(verify.DefaultTenantTTL)
	s.expect(t, "the new secret, after the ttl", tenantName(1), "rotated", alertBody("ALERT_FAILURE", "r-2", s.clock.Now()), middleware.Processed)
	if rep := s.obs.last(t); rep.SecretID != "s2" {
		t.Errorf("secret %q matched, want s2", rep.SecretID)
	}
	s.expect(t, "the old secret, after the ttl", tenantName(1), tenantSecret(1), alertBody("ALERT_FAILURE", "r-3", s.clock.Now()), middleware.Unauthenticated)
}

// The store down: 503 store_unavailable with Retry-After, nothing handled,
// the dedupe store untouched; once it is back, the sender's retry is
// processed.
func TestTenantSecretsUnavailable(t *testing.T) {
	s := newTenantServer(t, 2, middleware.WithStoreFailOpen())
	body := alertBody("ALERT_FAILURE", "check-1", s.clock.Now())
	s.src.down.Store(true)
	for range 3 {
		h := s.expect(t, "store down", tenantName(0), tenantSecret(0), body, middleware.StoreUnavailable)
		if h.Get("Retry-After") != "20" {
			t.Errorf("Retry-After %q, want 20", h.Get("Retry-After"))
		}
	}
	rep := s.obs.last(t)
	if rep.Reason() != "secrets_unavailable" || !errors.Is(rep.Err, verify.ErrSecretsUnavailable) || rep.Tenant != tenantName(0) {
		t.Errorf("report reason %q err %v tenant %q", rep.Reason(), rep.Err, rep.Tenant)
	}
	if n := s.handledCount(); n != 0 {
		t.Errorf("%d deliveries handled while the secrets were unavailable", n)
	}
	s.src.down.Store(false)
	s.expect(t, "the retry, store back", tenantName(0), tenantSecret(0), body, middleware.Processed)
	s.expect(t, "a copy", tenantName(0), tenantSecret(0), body, middleware.Duplicate)
}

// An unknown tenant is 401, like a wrong signature, and a sender repeating
// it does not hammer the store.
func TestUnknownTenant(t *testing.T) {
	s := newTenantServer(t, 1)
	for i := range 100 {
		s.expect(t, "unknown", "no-such-tenant", tenantSecret(0), alertBody("ALERT_FAILURE", fmt.Sprint(i), s.clock.Now()), middleware.Unauthenticated)
	}
	if n := s.src.lookups("no-such-tenant"); n != 1 {
		t.Errorf("%d lookups for 100 deliveries to an unknown tenant, want 1", n)
	}
	if rep := s.obs.last(t); rep.Reason() != "unknown_tenant" || rep.Tenant != "no-such-tenant" {
		t.Errorf("report reason %q tenant %q", rep.Reason(), rep.Tenant)
	}
	s.clock.Add(verify.DefaultUnknownTenantTTL)
	s.expect(t, "unknown, after its ttl", "no-such-tenant", "x", alertBody("ALERT_FAILURE", "y", s.clock.Now()), middleware.Unauthenticated)
	if n := s.src.lookups("no-such-tenant"); n != 2 {
		t.Errorf("%d lookups after the ttl, want 2", n)
	}

	// A route whose function finds no tenant refuses without a lookup.
	none := newTenantServer(t, 1, middleware.WithTenant(func(*http.Request) string { return "" }))
	none.expect(t, "no tenant", tenantName(0), tenantSecret(0), alertBody("ALERT_FAILURE", "z", t0), middleware.Unauthenticated)
	if rep := none.obs.last(t); rep.Reason() != "unknown_tenant" || none.src.total.Load() != 0 {
		t.Errorf("reason %q, %d lookups", rep.Reason(), none.src.total.Load())
	}
}

// A burst of deliveries for a tenant not yet cached makes one lookup.
func TestTenantBurstMakesOneLookup(t *testing.T) {
	s := newTenantServer(t, 1)
	s.src.gate, s.src.entered = make(chan struct{}), make(chan struct{}, 100)
	const n = 40
	var wg sync.WaitGroup
	outcomes := make(chan middleware.Outcome, n)
	for i := range n {
		wg.Go(func() {
			_, o, _ := s.deliver(t, tenantName(0), tenantSecret(0), alertBody("ALERT_FAILURE", fmt.Sprint("burst-", i), t0))
			outcomes <- o
		})
	}
	<-s.src.entered
	time.Sleep(100 * time.Millisecond) // let the burst reach the lookup
	close(s.src.gate)
	wg.Wait()
	close(outcomes)
	for o := range outcomes {
		if o != middleware.Processed {
			t.Errorf("outcome %s, want processed", o)
		}
	}
	if got := s.src.total.Load(); got != 1 {
		t.Errorf("%d lookups for a burst of %d, want 1", got, n)
	}
}

func TestTenantConstruction(t *testing.T) {
	plain, _ := verify.Checkly(verify.Secrets(secret))
	auth, err := verify.PerTenant(func(s []verify.Secret) (verify.Verifier, error) { return verify.Checkly(s) }, newTenantSecrets(1))
	if err != nil {
		t.Fatal(err)
	}
	nop := func(context.Context, middleware.Event[alert]) error { return nil }
	for _, c := range []struct {
		name string
		v    verify.Verifier
		opts []middleware.Option
	}{
		{"WithTenant and a verifier with one set of secrets", plain, []middleware.Option{middleware.WithTenant(pathTenant)}},
		{"secrets per tenant without WithTenant", auth, nil},
		{"WithTenant(nil)", auth, []middleware.Option{middleware.WithTenant(nil)}},
	} {
		if _, err := middleware.NewRoute(c.v, nop, c.opts...); err == nil {
			t.Errorf("NewRoute, %s: no error", c.name)
		}
		if _, err := middleware.NewGuard(c.v, c.opts...); err == nil {
			t.Errorf("NewGuard, %s: no error", c.name)
		}
	}
}

// A Guard hands its next handler the tenant, and keeps dedupe per tenant.
func TestTenantGuard(t *testing.T) {
	src := newTenantSecrets(2)
	auth, _ := verify.PerTenant(func(s []verify.Secret) (verify.Verifier, error) { return verify.Checkly(s) }, src)
	g, err := middleware.NewGuard(auth, middleware.WithTenant(pathTenant), middleware.WithStore(store.NewMemory()),
		middleware.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.Handle(tenantPattern, g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant, _ := middleware.TenantFrom(r.Context())
		mu.Lock()
		got = append(got, tenant)
		mu.Unlock()
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	body := alertBody("ALERT_FAILURE", "c", t0)
	for _, c := range []struct {
		tenant, secret string
		want           middleware.Outcome
	}{
		{tenantName(0), tenantSecret(0), middleware.Forwarded},
		{tenantName(0), tenantSecret(0), middleware.Duplicate},
		{tenantName(1), tenantSecret(0), middleware.Unauthenticated},
		{tenantName(1), tenantSecret(1), middleware.Forwarded},
	} {
		h, _ := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: t0}, c.secret)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/"+c.tenant+"/checkly", bytes.NewReader(body))
		req.Header = h
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		outcome := middleware.Outcome(resp.Header.Get(middleware.OutcomeHeader))
		if outcome == "" && resp.StatusCode == http.StatusOK {
			outcome = middleware.Forwarded // the next handler wrote the answer
		}
		if outcome != c.want {
			t.Errorf("%s signed with %s: %s, want %s", c.tenant, c.secret, outcome, c.want)
		}
	}
	if want := []string{tenantName(0), tenantName(1)}; !slices.Equal(got, want) {
		t.Errorf("the next handler saw tenants %q, want %q", got, want)
	}
}

// On a route with an inbox, the runner's handler gets the tenant too, and
// each tenant's entries are ordered apart.
func TestTenantInbox(t *testing.T) {
	clock := middlewaretest.NewClock(t0)
	ib := inbox.NewMemory(inbox.WithClock(clock.Now))
	runner, err := inbox.NewRunner(ib, inbox.WithRunnerClock(clock.Now), inbox.WithPoll(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	src := newTenantSecrets(2)
	auth, _ := verify.PerTenant(func(s []verify.Secret) (verify.Verifier, error) { return verify.Checkly(s) }, src)
	var mu sync.Mutex
	seen := map[string]int{}
	rt, err := middleware.NewRoute(auth, func(ctx context.Context, e middleware.Event[alert]) error {
		tenant, _ := middleware.TenantFrom(ctx)
		mu.Lock()
		seen[tenant]++
		mu.Unlock()
		return nil
	}, middleware.WithTenant(pathTenant), middleware.WithInbox(runner), middleware.WithName("tenants"),
		middleware.WithOrdering(0), middleware.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(tenantPattern, rt)
	srv := httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = runner.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })

	s := &tenantServer{srv: srv, clock: clock}
	body := alertBody("ALERT_FAILURE", "c", t0)
	s.expect(t, "tenant 0", tenantName(0), tenantSecret(0), body, middleware.Accepted)
	s.expect(t, "tenant 1, the same bytes", tenantName(1), tenantSecret(1), body, middleware.Accepted)
	until(t, "both run", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[tenantName(0)] == 1 && seen[tenantName(1)] == 1
	})
}

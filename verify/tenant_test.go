package verify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/internal/testclock"
	"github.com/hookseal/hookseal/verify"
)

// tenantStore is a SecretSource over a map, with a count of lookups per
// tenant, a switch that makes every lookup fail, and an optional gate that
// holds lookups until it is closed.
type tenantStore struct {
	mu      sync.Mutex
	secrets map[string][]verify.Secret
	calls   map[string]int
	total   atomic.Int64
	down    atomic.Bool
	gate    chan struct{} // when set, lookups wait for it to close
	entered chan string   // when set, told of each lookup as it starts
	panics  atomic.Bool
}

func newTenantStore(n int) *tenantStore {
	s := &tenantStore{secrets: map[string][]verify.Secret{}, calls: map[string]int{}}
	for i := range n {
		t := fmt.Sprintf("t%04d", i)
		s.secrets[t] = []verify.Secret{{ID: t + "-1", Value: "secret-of-" + t}}
	}
	return s
}

func (s *tenantStore) set(tenant string, secrets ...verify.Secret) {
	s.mu.Lock()
	s.secrets[tenant] = secrets
	s.mu.Unlock()
}

func (s *tenantStore) lookups(tenant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[tenant]
}

func (s *tenantStore) Secrets(ctx context.Context, tenant string) ([]verify.Secret, error) {
	s.total.Add(1)
	s.mu.Lock()
	s.calls[tenant]++
	sec, ok := s.secrets[tenant]
	gate, entered := s.gate, s.entered
	s.mu.Unlock()
	if entered != nil {
		entered <- tenant
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	switch {
	case s.panics.Load():
		panic("the secret store's driver panicked")
	case s.down.Load():
		return nil, errors.New("dial tcp 10.0.0.7:5432: connection refused")
	case !ok:
		return nil, fmt.Errorf("no row for %q: %w", tenant, verify.ErrUnknownTenant)
	}
	return sec, nil
}

func buildCheckly(s []verify.Secret) (verify.Verifier, error) { return verify.Checkly(s) }

// newTestClock is the settable clock of the caches' ttls.
func newTestClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
}
func tenantBody(tenant string, n int) []byte {
	return fmt.Appendf(nil, `{"alert_type":"ALERT_FAILURE","check_id":"c-%s-%d"}`, tenant, n)
}

func signFor(t testing.TB, secret string, body []byte) http.Header {
	t.Helper()
	h, err := verify.ChecklyScheme().Sign(body, verify.SignOptions{Timestamp: time.Unix(1795420800, 0)}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func newTenantAuth(t testing.TB, src verify.SecretSource, opts ...verify.TenantOption) *verify.TenantAuth {
	t.Helper()
	a, err := verify.PerTenant(buildCheckly, src, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestPerTenantDecisions(t *testing.T) {
	src := newTenantStore(3)
	src.set("blank", verify.Secret{ID: "s1", Value: " "})
	src.set("none")
	a := newTenantAuth(t, src)
	body := tenantBody("x", 1)
	for _, c := range []struct {
		name, tenant, secret string
		want                 error // nil: authentic
		also                 error // a second cause errors.Is must find
		lookups              int   // of the tenant, after the case
	}{
		{name: "ok, a tenant's own secret", tenant: "t0000", secret: "secret-of-t0000", lookups: 1},
		{name: "ok, again from the cache", tenant: "t0000", secret: "secret-of-t0000", lookups: 1},
		{name: "nok, another tenant's secret", tenant: "t0001", secret: "secret-of-t0000", want: verify.ErrInvalidSignature, lookups: 1},
		{name: "nok, unknown tenant", tenant: "nobody", secret: "secret-of-t0000", want: verify.ErrUnknownTenant, lookups: 1},
		{name: "nok, unknown tenant, remembered", tenant: "nobody", secret: "secret-of-t0000", want: verify.ErrUnknownTenant, lookups: 1},
		{name: "nok, no secret stored", tenant: "none", secret: "x", want: verify.ErrUnknownTenant, lookups: 1},
		{name: "nok, a blank secret stored", tenant: "blank", secret: " ", want: verify.ErrUnknownTenant, also: verify.ErrNoSecret, lookups: 1},
		{name: "nok, no tenant", tenant: "", secret: "x", want: verify.ErrUnknownTenant},
		{name: "nok, a tenant name too long", tenant: strings.Repeat("t", verify.MaxTenantLen+1), secret: "x", want: verify.ErrUnknownTenant},
		{name: "nok, a control character", tenant: "t0002\n", secret: "x", want: verify.ErrUnknownTenant},
		{name: "nok, not UTF-8", tenant: "t\xff", secret: "x", want: verify.ErrUnknownTenant},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := a.VerifyTenant(t.Context(), c.tenant, signFor(t, c.secret, body), body)
			if c.want == nil {
				if err != nil || d.SecretID != c.tenant+"-1" || d.Key.IsZero() {
					t.Fatalf("VerifyTenant = %+v, %v; want authentic, secret %s-1", d, err, c.tenant)
				}
			} else if !errors.Is(err, c.want) || (c.also != nil && !errors.Is(err, c.also)) {
				t.Fatalf("err = %v, want %v (and %v)", err, c.want, c.also)
			}
			if n := src.lookups(c.tenant); n != c.lookups {
				t.Errorf("%d lookups of the tenant, want %d", n, c.lookups)
			}
			if err != nil && strings.Contains(err.Error(), "secret-of-") {
				t.Errorf("the error carries a secret: %v", err)
			}
		})
	}

	// Verify alone cannot know the tenant: it refuses, never accepts.
	if _, err := a.Verify(signFor(t, "secret-of-t0000", body), body); !errors.Is(err, verify.ErrUnknownTenant) {
		t.Errorf("Verify without a tenant: %v, want ErrUnknownTenant", err)
	}
}

// Two tenants that share a secret, and receive byte-identical bodies, keep
// their dedupe keys and scopes apart; one tenant's are stable.
func TestPerTenantKeepsStateApart(t *testing.T) {
	src := newTenantStore(0)
	src.set("a", verify.Secret{ID: "s1", Value: "shared"})
	src.set("b", verify.Secret{ID: "s1", Value: "shared"})
	a := newTenantAuth(t, src)
	body := tenantBody("x", 1)
	h := signFor(t, "shared", body)
	da, err := a.VerifyTenant(t.Context(), "a", h, body)
	if err != nil {
		t.Fatal(err)
	}
	db, err := a.VerifyTenant(t.Context(), "b", h, body)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := a.VerifyTenant(t.Context(), "a", h, body)
	plain, _ := verify.Checkly(verify.Secrets("shared"))
	dp, _ := plain.Verify(h, body)

	if da.Key == db.Key || da.Scope == db.Scope {
		t.Errorf("tenants a and b share state: keys %s %s, scopes %s %s", da.Key, db.Key, da.Scope, db.Scope)
	}
	if da.Key == dp.Key || da.Scope == dp.Scope {
		t.Errorf("tenant a shares state with a route without tenants: %s %s", da.Scope, dp.Scope)
	}
	if again.Key != da.Key || again.Scope != da.Scope {
		t.Errorf("one tenant's delivery changed key or scope: %s/%s, then %s/%s", da.Key, da.Scope, again.Key, again.Scope)
	}
	if len(da.Scope) != 16 || strings.Trim(da.Scope, "0123456789abcdef") != "" {
		t.Errorf("scope %q is not 16 hex digits", da.Scope)
	}
	if da.Provider != verify.ProviderCheckly || da.SecretID != "s1" {
		t.Errorf("delivery %+v: want provider checkly, secret s1", da)
	}
}

// zeroKey is a custom verifier that (wrongly) returns no key.
type zeroKey struct{}

func (zeroKey) Verify(http.Header, []byte) (verify.Delivery, error) {
	return verify.Delivery{Provider: "custom"}, nil
}

// A verifier that returned no key still returns none: mixing in the tenant
// must not hide it from the middleware, which refuses such a delivery.
func TestPerTenantKeepsZeroKey(t *testing.T) {
	a, err := verify.PerTenant(func([]verify.Secret) (verify.Verifier, error) { return zeroKey{}, nil }, newTenantStore(1))
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.VerifyTenant(t.Context(), "t0000", nil, nil)
	if err != nil || !d.Key.IsZero() {
		t.Errorf("VerifyTenant = %v, key %s; want no error and the zero key", err, d.Key)
	}
}

func TestPerTenantCache(t *testing.T) {
	src := newTenantStore(4)
	clk := newTestClock()
	a := newTenantAuth(t, src, verify.WithTenantClock(clk.Now),
		verify.WithTenantCache(2, time.Minute), verify.WithUnknownTenantCache(2, 10*time.Second))
	verifyAs := func(tenant, secret string, n int) error {
		body := tenantBody(tenant, n)
		_, err := a.VerifyTenant(t.Context(), tenant, signFor(t, secret, body), body)
		return err
	}

	t.Run("a thousand deliveries, one lookup", func(t *testing.T) {
		for i := range 1000 {
			if err := verifyAs("t0000", "secret-of-t0000", i); err != nil {
				t.Fatal(err)
			}
		}
		if n := src.lookups("t0000"); n != 1 {
			t.Errorf("%d lookups, want 1", n)
		}
	})

	t.Run("a rotation is picked up after the ttl", func(t *testing.T) {
		src.set("t0000", verify.Secret{ID: "new", Value: "rotated"})
		if err := verifyAs("t0000", "rotated", 1); !errors.Is(err, verify.ErrInvalidSignature) {
			t.Errorf("new secret inside the ttl: %v, want the cached verifier to refuse it", err)
		}
		clk.Add(time.Minute)
		if err := verifyAs("t0000", "rotated", 2); err != nil {
			t.Errorf("new secret after the ttl: %v", err)
		}
		if err := verifyAs("t0000", "secret-of-t0000", 3); !errors.Is(err, verify.ErrInvalidSignature) {
			t.Errorf("old secret after the ttl: %v, want refused", err)
		}
		if n := src.lookups("t0000"); n != 2 {
			t.Errorf("%d lookups, want 2", n)
		}
	})

	t.Run("Forget takes effect at once", func(t *testing.T) {
		src.set("t0000", verify.Secret{ID: "newer", Value: "rotated-again"})
		a.Forget("t0000")
		if err := verifyAs("t0000", "rotated-again", 1); err != nil {
			t.Errorf("new secret after Forget: %v", err)
		}
	})

	t.Run("bounded: the least recently used tenant goes", func(t *testing.T) {
		before := src.lookups("t0001")
		for _, tenant := range []string{"t0001", "t0002", "t0003", "t0001"} {
			if err := verifyAs(tenant, "secret-of-"+tenant, 1); err != nil {
				t.Fatal(err)
			}
		}
		if n := src.lookups("t0001") - before; n != 2 {
			t.Errorf("t0001 looked up %d times, want 2 (evicted by t0002 and t0003 from a cache of 2)", n)
		}
	})

	t.Run("unknown tenants are remembered apart, for their own ttl", func(t *testing.T) {
		known := src.lookups("t0001")
		for i := range 100 {
			if err := verifyAs("ghost", "x", i); !errors.Is(err, verify.ErrUnknownTenant) {
				t.Fatal(err)
			}
			// A flood of made-up names pushes no known tenant out.
			if err := verifyAs(fmt.Sprintf("made-up-%d", i), "x", i); !errors.Is(err, verify.ErrUnknownTenant) {
				t.Fatal(err)
			}
			if err := verifyAs("t0001", "secret-of-t0001", i); err != nil {
				t.Fatal(err)
			}
		}
		if n := src.lookups("t0001"); n != known {
			t.Errorf("t0001 looked up %d more times during a flood of unknown names, want 0", n-known)
		}
		if n := src.lookups("ghost"); n > 50 {
			// The unknown cache holds 2: the flood evicts "ghost" now and
			// then, but a repeated name is not looked up on every delivery.
			t.Errorf("ghost looked up %d times in 100 deliveries", n)
		}
		src.mu.Lock()
		src.calls["ghost2"] = 0
		src.mu.Unlock()
		for i := range 100 {
			_ = verifyAs("ghost2", "x", i)
		}
		if n := src.lookups("ghost2"); n != 1 {
			t.Errorf("ghost2 looked up %d times in 100 deliveries, want 1", n)
		}
		clk.Add(10 * time.Second)
		_ = verifyAs("ghost2", "x", 0)
		if n := src.lookups("ghost2"); n != 2 {
			t.Errorf("ghost2 looked up %d times after its ttl, want 2", n)
		}
		// A tenant created meanwhile is found once the ttl has passed.
		src.set("ghost2", verify.Secret{ID: "s1", Value: "now-real"})
		clk.Add(10 * time.Second)
		if err := verifyAs("ghost2", "now-real", 1); err != nil {
			t.Errorf("a tenant created after being unknown: %v", err)
		}
	})
}

// A refresh that finds a tenant's secrets unchanged keeps its verifier;
// one that finds them changed builds a new one.
func TestPerTenantRefreshRebuildsOnlyChanges(t *testing.T) {
	src := newTenantStore(1)
	clk := newTestClock()
	var builds atomic.Int32
	a, err := verify.PerTenant(func(s []verify.Secret) (verify.Verifier, error) {
		builds.Add(1)
		return verify.Checkly(s)
	}, src, verify.WithTenantClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	check := func(secret string, lookups, built int) {
		t.Helper()
		body := tenantBody("t0000", lookups)
		if _, err := a.VerifyTenant(t.Context(), "t0000", signFor(t, secret, body), body); err != nil {
			t.Fatal(err)
		}
		if n, b := src.lookups("t0000"), int(builds.Load()); n != lookups || b != built {
			t.Errorf("%d lookups, %d builds; want %d, %d", n, b, lookups, built)
		}
	}
	check("secret-of-t0000", 1, 1)
	clk.Add(verify.DefaultTenantTTL)
	check("secret-of-t0000", 2, 1)
	src.set("t0000", verify.Secret{ID: "t0000-1", Value: "secret-of-t0000"}, verify.Secret{ID: "next", Value: "next"})
	clk.Add(verify.DefaultTenantTTL)
	check("next", 3, 2)
}

func TestPerTenantSourceDown(t *testing.T) {
	src := newTenantStore(2)
	a := newTenantAuth(t, src, verify.WithLookupTimeout(50*time.Millisecond))
	body := tenantBody("t0000", 1)
	h := signFor(t, "secret-of-t0000", body)

	src.down.Store(true)
	for range 3 {
		_, err := a.VerifyTenant(t.Context(), "t0000", h, body)
		if !errors.Is(err, verify.ErrSecretsUnavailable) || errors.Is(err, verify.ErrUnknownTenant) {
			t.Fatalf("source down: %v, want ErrSecretsUnavailable only", err)
		}
	}
	if n := src.lookups("t0000"); n != 3 {
		t.Errorf("%d lookups while down, want 3: a failure is not cached", n)
	}
	src.down.Store(false)
	if _, err := a.VerifyTenant(t.Context(), "t0000", h, body); err != nil {
		t.Errorf("source back: %v", err)
	}

	// A source that does not answer is bounded by the lookup timeout.
	src.gate = make(chan struct{})
	start := time.Now()
	_, err := a.VerifyTenant(t.Context(), "t0001", h, body)
	if !errors.Is(err, verify.ErrSecretsUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("source hanging: %v, want ErrSecretsUnavailable from the deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the lookup took %s; the timeout is 50ms", d)
	}
	close(src.gate)

	// A panicking source fails the lookup; it does not hang or crash.
	src.panics.Store(true)
	if _, err := a.VerifyTenant(t.Context(), "t0001", h, body); !errors.Is(err, verify.ErrSecretsUnavailable) {
		t.Errorf("source panicking: %v", err)
	}
	src.panics.Store(false)
	if _, err := a.VerifyTenant(t.Context(), "t0001", signFor(t, "secret-of-t0001", body), body); err != nil {
		t.Errorf("after the panic: %v", err)
	}
}

// A burst of deliveries for a tenant that is not cached makes one lookup,
// and a delivery whose request is cancelled while it waits gives up
// without stopping the lookup the others wait for.
func TestPerTenantBurstMakesOneLookup(t *testing.T) {
	src := newTenantStore(1)
	src.gate, src.entered = make(chan struct{}), make(chan string, 100)
	a := newTenantAuth(t, src)
	const n = 50
	errs := make(chan error, n)
	verifyOne := func(ctx context.Context, i int) {
		body := tenantBody("t0000", i)
		_, err := a.VerifyTenant(ctx, "t0000", signFor(t, "secret-of-t0000", body), body)
		errs <- err
	}
	leaderCtx, cancelLeader := context.WithCancel(t.Context())
	go verifyOne(leaderCtx, 0)
	<-src.entered  // the lookup has started
	cancelLeader() // the first sender hangs up: the lookup goes on
	for i := 1; i < n; i++ {
		go verifyOne(t.Context(), i)
	}
	waiterCtx, cancelWaiter := context.WithCancel(t.Context())
	cancelWaiter()
	if _, err := a.VerifyTenant(waiterCtx, "t0000", nil, nil); !errors.Is(err, verify.ErrSecretsUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("a waiter whose request was cancelled: %v", err)
	}
	time.Sleep(50 * time.Millisecond) // let the burst reach the wait
	close(src.gate)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := src.total.Load(); got != 1 {
		t.Errorf("%d lookups for a burst of %d, want 1", got, n)
	}
}

// Forget during a lookup keeps that lookup's (possibly old) answer out of
// the cache.
func TestPerTenantForgetDuringLookup(t *testing.T) {
	src := newTenantStore(1)
	src.gate, src.entered = make(chan struct{}), make(chan string, 10)
	a := newTenantAuth(t, src)
	body := tenantBody("t0000", 1)
	done := make(chan error, 1)
	go func() {
		_, err := a.VerifyTenant(t.Context(), "t0000", signFor(t, "secret-of-t0000", body), body)
		done <- err
	}()
	<-src.entered
	src.set("t0000", verify.Secret{ID: "new", Value: "revoked-the-old"})
	a.Forget("t0000")
	close(src.gate)
	if err := <-done; err != nil {
		t.Fatal(err) // the delivery that was waiting gets the lookup's answer
	}
	src.gate = nil
	if _, err := a.VerifyTenant(t.Context(), "t0000", signFor(t, "secret-of-t0000", body), body); !errors.Is(err, verify.ErrInvalidSignature) {
		t.Errorf("the old secret after Forget: %v, want refused", err)
	}
}

func TestPerTenantConstruction(t *testing.T) {
	src := newTenantStore(1)
	for _, c := range []struct {
		name  string
		build func([]verify.Secret) (verify.Verifier, error)
		src   verify.SecretSource
		opts  []verify.TenantOption
	}{
		{"nil build", nil, src, nil},
		{"nil source", buildCheckly, nil, nil},
		{"empty cache", buildCheckly, src, []verify.TenantOption{verify.WithTenantCache(0, time.Minute)}},
		{"no ttl", buildCheckly, src, []verify.TenantOption{verify.WithTenantCache(10, 0)}},
		{"no unknown ttl", buildCheckly, src, []verify.TenantOption{verify.WithUnknownTenantCache(10, -time.Second)}},
		{"no lookup timeout", buildCheckly, src, []verify.TenantOption{verify.WithLookupTimeout(0)}},
		{"nil clock", buildCheckly, src, []verify.TenantOption{verify.WithTenantClock(nil)}},
	} {
		if _, err := verify.PerTenant(c.build, c.src, c.opts...); !errors.Is(err, verify.ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", c.name, err)
		}
	}

	// A build function that returns neither a verifier nor an error makes
	// the tenant unknown, never a verifier that accepts everything.
	a, err := verify.PerTenant(func([]verify.Secret) (verify.Verifier, error) { return nil, nil }, src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.VerifyTenant(t.Context(), "t0000", nil, nil); !errors.Is(err, verify.ErrUnknownTenant) || !errors.Is(err, verify.ErrInvalidConfig) {
		t.Errorf("nil verifier: %v", err)
	}
}

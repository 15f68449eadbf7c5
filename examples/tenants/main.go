// Command tenants is one webhook route for many tenants: each tenant's
// Checkly webhook channel posts to a URL of its own, signed with a secret of
// its own, and the receiver looks that secret up in a store.
//
//	POST /hooks/{tenant}/checkly   Checkly alert webhooks, one URL per tenant
//
// The route takes the tenant from the path, never from a header or the
// body: the path is what the operator gave each tenant's sender, and the
// tenant the secrets were looked up for is the one the handler gets
// (middleware.TenantFrom). A tenant's verifier is built from its secrets
// the first time a delivery for it arrives and kept in a bounded cache for
// five minutes (verify.DefaultTenantTTL), so a thousand deliveries for one
// tenant read the store once, and a secret rotated in the store is in use
// five minutes later. Dedupe and ordering state are kept per tenant: two
// tenants whose senders send the same bytes, or share a secret, never
// drop each other's alerts.
//
// What the sender is answered: 200 processed (or duplicate, out_of_order,
// stale, as for any route); 401 unauthenticated for a wrong signature, for
// another tenant's signature, and for a tenant the store does not know
// (alike, so the answer does not tell which tenants exist); 503
// store_unavailable with Retry-After when the store cannot be read, so the
// sender retries.
//
// # Configuration
//
//	TENANT_SECRETS_FILE  a file with one tenant per line, "<tenant> <secret>[,<secret>...]";
//	                     several secrets are accepted at once, for a rotation;
//	                     blank lines and lines starting with # are skipped.
//	                     Unset: a thousand demo tenants, tenant-0001 ... tenant-1000,
//	                     each with the secret "demo-secret-" + its name (well known:
//	                     for trying the example on loopback only)
//	HOOKSEAL_REDIS_URL   redis://[user:pass@]host:port/db: keep dedupe and ordering
//	                     state in Redis, shared by every replica (default: in memory)
//	ADDR                 listen address (default 127.0.0.1:8080)
//
// # Running it
//
// From the examples directory:
//
//	go run ./tenants
//
// and, in another shell, send tenant-0042 a signed Checkly alert:
//
//	body='{"alert_type":"ALERT_FAILURE","check_id":"c-1","check_name":"API health","started_at":"'$(date -u +%FT%TZ)'"}'
//	sig=$(printf %s "$body" | openssl dgst -sha256 -hmac demo-secret-tenant-0042 | awk '{print $NF}')
//	curl -i http://127.0.0.1:8080/hooks/tenant-0042/checkly -H 'Content-Type: application/json' \
//	  -H "X-Checkly-Signature: $sig" -H "X-Checkly-Timestamp: $(date -u +%s)" -d "$body"
//
// It is answered 200 processed, and the handler logs the alert with its
// tenant. The same request to /hooks/tenant-0043/checkly is 401.
//
// # A real store
//
// memorySecrets is a map. In production the same interface,
// verify.SecretSource, reads a database or a secrets manager; only
// deliveries that miss the cache reach it:
//
//	func (s *sqlSecrets) Secrets(ctx context.Context, tenant string) ([]verify.Secret, error) {
//		rows, err := s.db.QueryContext(ctx, `SELECT id, value FROM webhook_secrets
//			WHERE tenant = $1 AND revoked_at IS NULL ORDER BY created_at DESC`, tenant)
//		if err != nil {
//			return nil, err // the database is down: 503, the sender retries
//		}
//		defer rows.Close()
//		var out []verify.Secret
//		for rows.Next() {
//			var s verify.Secret
//			if err := rows.Scan(&s.ID, &s.Value); err != nil {
//				return nil, err
//			}
//			out = append(out, s)
//		}
//		return out, rows.Err() // no rows: an unknown tenant, 401
//	}
//
// Index the tenant column: a name nobody uses costs one query before it is
// remembered as unknown (for verify.DefaultUnknownTenantTTL). Keep the
// values encrypted at rest, as any credential. After revoking a secret,
// call the verifier's Forget(tenant) to stop accepting it at once rather
// than within the cache's ttl.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/examples/internal/demo"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

// PathTenants is the one route every tenant's sender posts to.
const PathTenants = "/hooks/{tenant}/checkly"

// EnvSecretsFile names the file of tenants and their secrets.
const EnvSecretsFile = "TENANT_SECRETS_FILE"

// DemoTenants is how many demo tenants serve when EnvSecretsFile is unset.
const DemoTenants = 1000

func main() {
	demo.Main("tenants", newHandler)
}

// newHandler builds the receiver: the store of secrets, the route, and the
// shared dedupe store if any. The returned func closes the latter.
func newHandler(ctx context.Context, env func(string) string, log *slog.Logger) (http.Handler, func() error, error) {
	secrets, err := loadSecrets(env, log)
	if err != nil {
		return nil, nil, err
	}
	auth, err := verify.PerTenant(func(s []verify.Secret) (verify.Verifier, error) { return verify.Checkly(s) }, secrets)
	if err != nil {
		return nil, nil, err
	}
	st, closeStore, err := demo.StoreFromEnv(ctx, env, log)
	if err != nil {
		return nil, nil, err
	}
	opts := append(demo.RouteOptions(log, st),
		middleware.WithTenant(func(r *http.Request) string { return r.PathValue("tenant") }))
	rt, err := middleware.NewRoute(auth, handle(log), opts...)
	if err != nil {
		_ = closeStore()
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(PathTenants, rt)
	log.Info("route mounted", "path", PathTenants, "tenants", secrets.len())
	return mux, closeStore, nil
}

// handle is the application's code: it runs for each authentic, fresh,
// new, in-order alert, with the tenant the alert was verified for.
func handle(log *slog.Logger) middleware.HandlerFunc[checkly.Alert] {
	return func(ctx context.Context, e middleware.Event[checkly.Alert]) error {
		tenant, _ := middleware.TenantFrom(ctx)
		a := &e.Payload
		log.LogAttrs(ctx, slog.LevelInfo, "checkly alert",
			slog.String("tenant", tenant),
			slog.String("alert_type", string(a.AlertType)),
			slog.String("check_id", a.CheckID),
			slog.String("check_name", a.CheckName),
			slog.String("secret_id", e.Delivery.SecretID))
		return nil
	}
}

// memorySecrets is the store of tenants' secrets: a map, safe for
// concurrent use. It is a verify.SecretSource.
type memorySecrets struct {
	mu sync.RWMutex
	m  map[string][]verify.Secret
}

// Secrets implements verify.SecretSource.
func (s *memorySecrets) Secrets(_ context.Context, tenant string) ([]verify.Secret, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec, ok := s.m[tenant]
	if !ok {
		return nil, verify.ErrUnknownTenant
	}
	return sec, nil
}

// set replaces a tenant's secrets.
func (s *memorySecrets) set(tenant string, secrets []verify.Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[tenant] = secrets
}

func (s *memorySecrets) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

// demoSecret is a demo tenant's well-known secret.
func demoSecret(tenant string) string { return "demo-secret-" + tenant }

// demoTenant names the i-th demo tenant, from 1.
func demoTenant(i int) string { return fmt.Sprintf("tenant-%04d", i) }

// loadSecrets reads EnvSecretsFile, or makes the demo tenants.
func loadSecrets(env func(string) string, log *slog.Logger) (*memorySecrets, error) {
	s := &memorySecrets{m: map[string][]verify.Secret{}}
	path := env(EnvSecretsFile)
	if path == "" {
		for i := 1; i <= DemoTenants; i++ {
			t := demoTenant(i)
			s.set(t, verify.Secrets(demoSecret(t)))
		}
		log.Warn("demo tenants with well-known secrets; set " + EnvSecretsFile + " for real ones")
		return s, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvSecretsFile, err)
	}
	defer f.Close()
	if err := readSecrets(bufio.NewScanner(f), s); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvSecretsFile, err)
	}
	if s.len() == 0 {
		return nil, fmt.Errorf("%s: no tenant in %s", EnvSecretsFile, path)
	}
	return s, nil
}

// readSecrets reads "<tenant> <secret>[,<secret>...]" lines into s.
// Secrets are parsed by the library's rule (verify.ParseSecrets): trimmed,
// named s1, s2, ..., none blank. Errors give line numbers, never secrets.
func readSecrets(sc *bufio.Scanner, s *memorySecrets) error {
	var errs []error
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		tenant, list, ok := strings.Cut(text, " ")
		if !ok {
			errs = append(errs, fmt.Errorf("line %d: want a tenant, a space and its secrets", line))
			continue
		}
		secrets, err := verify.ParseSecrets(list)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d (tenant %q): %w", line, tenant, err))
			continue
		}
		if _, dup := s.m[tenant]; dup {
			errs = append(errs, fmt.Errorf("line %d: tenant %q is listed twice", line, tenant))
			continue
		}
		s.set(tenant, secrets)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

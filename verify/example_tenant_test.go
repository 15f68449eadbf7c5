package verify_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookseal/hookseal/verify"
)

// Secrets per tenant: one route serves every tenant, and each tenant's
// secrets come from a store the operator controls (here a map; a database
// query in production). The verifier built from a tenant's secrets is cached,
// so the store is asked once per tenant, not once per delivery.
func ExamplePerTenant() {
	secrets := map[string][]verify.Secret{
		"acme":   {{ID: "2026-11", Value: "acme-secret"}},
		"globex": {{ID: "2026-10", Value: "globex-secret"}},
	}
	lookups := 0
	src := verify.SecretSourceFunc(func(ctx context.Context, tenant string) ([]verify.Secret, error) {
		lookups++
		s, ok := secrets[tenant]
		if !ok {
			return nil, verify.ErrUnknownTenant // 401, and remembered for a while
		}
		return s, nil // a failed query would be any other error: 503
	})
	v, err := verify.PerTenant(func(s []verify.Secret) (verify.Verifier, error) {
		return verify.Checkly(s)
	}, src)
	if err != nil {
		panic(err)
	}

	body := []byte(`{"alert_type":"ALERT_FAILURE","check_id":"4b1c"}`)
	header, _ := verify.ChecklyScheme().Sign(body,
		verify.SignOptions{Timestamp: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}, "acme-secret")

	// The tenant comes from the route's path (middleware.WithTenant).
	for _, tenant := range []string{"acme", "acme", "globex", "initech"} {
		d, err := v.VerifyTenant(context.Background(), tenant, header, body)
		switch {
		case err == nil:
			fmt.Println(tenant, "=> authentic, secret", d.SecretID)
		case errors.Is(err, verify.ErrInvalidSignature):
			fmt.Println(tenant, "=> 401: signed with another tenant's secret")
		case errors.Is(err, verify.ErrUnknownTenant):
			fmt.Println(tenant, "=> 401: no such tenant")
		case errors.Is(err, verify.ErrSecretsUnavailable):
			fmt.Println(tenant, "=> 503: the store is down, retry later")
		}
	}
	fmt.Println("lookups:", lookups)
	// Output:
	// acme => authentic, secret 2026-11
	// acme => authentic, secret 2026-11
	// globex => 401: signed with another tenant's secret
	// initech => 401: no such tenant
	// lookups: 3
}

package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hookseal/hookseal/verify"
)

// WithTenant makes the route verify each delivery with the secrets of the
// tenant that from finds in the request: one route serving many tenants,
// each with secrets of its own. The route's verifier must be a
// verify.TenantVerifier (verify.PerTenant builds one, with a cache), and a
// TenantVerifier needs this option; either without the other is a
// construction error. On Go's ServeMux, with the pattern
// "/hooks/{tenant}/checkly":
//
//	middleware.WithTenant(func(r *http.Request) string { return r.PathValue("tenant") })
//
// echo and gin keep path parameters in their own context: copy the
// parameter into the request before the route runs
// (c.Request().SetPathValue("tenant", c.Param("tenant")) in echo,
// c.Request.SetPathValue in gin), and the same function reads it.
//
// The tenant is the one value the route both looks the secrets up by and
// hands the handler (TenantFrom), so a delivery is attributed to exactly
// the tenant whose secret it matched; dedupe keys and ordering state are
// kept apart per tenant. Take it from what the operator's routing extracts
// (a path parameter of the URL each tenant's sender was given), never from
// a header: a sender still needs the tenant's secret, but a header is
// easily sent twice or added by a proxy, and it invites an application to
// attribute the delivery by something else (the path, an account in the
// body) than the tenant it was verified for. The tenant is chosen by
// whoever sends the request, known or not, and is no secret: it is in the
// URL, logs and Report.Tenant.
//
// Answers: no tenant in the request, or one the source does not know, is
// 401 unauthenticated (Report.Reason unknown_tenant), like a wrong
// signature, so the status does not tell which tenants exist; secrets that
// cannot be looked up are 503 store_unavailable with Retry-After (reason
// secrets_unavailable), so the sender retries, even with
// WithStoreFailOpen, which is about the dedupe store: a delivery is never
// let in unauthenticated.
func WithTenant(from func(r *http.Request) string) Option {
	return func(c *config) { c.tenant, c.tenantSet = from, true }
}

// TenantFrom returns the tenant a delivery was verified for, on a route with
// WithTenant: from the context of the route's handler (an inbox's runner
// included) or of a Guard's next handler. Attribute the delivery to this
// tenant, not to anything read from the request again.
func TenantFrom(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(tenantKey{}).(string)
	return t, ok && t != ""
}

type tenantKey struct{}

// withTenant puts the tenant in ctx, when there is one.
func withTenant(ctx context.Context, tenant string) context.Context {
	if tenant == "" {
		return ctx
	}
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// useTenant checks that the verifier and WithTenant come together.
func (p *pipeline) useTenant() error {
	tv, ok := p.v.(verify.TenantVerifier)
	switch {
	case p.cfg.tenant != nil && !ok:
		return fmt.Errorf("middleware: WithTenant needs a verifier that looks secrets up per tenant (verify.PerTenant); %T does not", p.v)
	case p.cfg.tenant == nil && ok:
		return fmt.Errorf("middleware: %T verifies deliveries per tenant: add WithTenant to say where the route finds the tenant", p.v)
	case ok:
		p.tv = tv
	}
	return nil
}

// maxReportedTenant bounds the tenant in a Report.
const maxReportedTenant = verify.MaxTenantLen

// authenticateTenant verifies the delivery with the secrets of its tenant.
// Secrets that cannot be looked up answer 503, so the sender retries.
func (p *pipeline) authenticateTenant(ctx context.Context, f *flow) Result {
	tenant := p.cfg.tenant(f.r)
	f.rep.Tenant = clip(tenant, maxReportedTenant)
	if tenant == "" {
		return p.authenticated(f, verify.Delivery{}, fmt.Errorf("middleware: %w: the route found no tenant in the request (WithTenant)", verify.ErrUnknownTenant))
	}
	d, err := p.tv.VerifyTenant(ctx, tenant, f.r.Header, f.body)
	if errors.Is(err, verify.ErrSecretsUnavailable) {
		f.rep.Provider = d.Provider
		return Result{Outcome: StoreUnavailable, RetryAfter: p.cfg.retryAfter, Err: err}
	}
	res := p.authenticated(f, d, err)
	if !res.decided() {
		f.tenant = tenant
	}
	return res
}

package middleware

import (
	"context"
	"errors"

	"github.com/hookseal/hookseal/verify"
)

// authenticate runs the route's verifier over the headers and the raw
// body (with the secrets of the delivery's tenant, on a route with
// WithTenant). A verifier that returns no error must have produced a key: a
// custom one that did not is refused, failing closed rather than trusting
// it.
func (p *pipeline) authenticate(ctx context.Context, f *flow) Result {
	if p.tv != nil {
		return p.authenticateTenant(ctx, f)
	}
	d, err := p.v.Verify(f.r.Header, f.body)
	return p.authenticated(f, d, err)
}

// authenticated records the verifier's decision.
func (p *pipeline) authenticated(f *flow, d verify.Delivery, err error) Result {
	f.rep.Provider = d.Provider
	if err != nil {
		return Result{Outcome: Unauthenticated, Err: err}
	}
	if d.Key.IsZero() {
		return Result{Outcome: Unauthenticated,
			Err: errors.New("verifier returned neither an error nor a delivery with a key")}
	}
	f.d, f.key = d, d.Key
	f.rep.SecretID, f.rep.SentAt = d.SecretID, d.Timestamp
	return Result{}
}

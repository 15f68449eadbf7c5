package middleware

import (
	"errors"
)

// authenticate runs the route's verifier over the headers and the raw
// body. A verifier that returns no error must have produced a key: a
// custom one that did not is refused, failing closed rather than trusting
// it.
func (p *pipeline) authenticate(f *flow) Result {
	d, err := p.v.Verify(f.r.Header, f.body)
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

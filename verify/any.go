package verify

import (
	"errors"
	"fmt"
	"net/http"
)

// AnyOf returns a Verifier that accepts a delivery when any of vs does, in
// order; for a route a sender may authenticate to in more than one way
// (Datadog with Basic credentials or an OAuth JWT bearer, or a secret being
// moved from one mechanism to another).
//
// When none accepts, the error joins every verifier's error, so errors.Is
// finds each cause.
func AnyOf(vs ...Verifier) (Verifier, error) {
	if len(vs) == 0 {
		return nil, errorf(ErrNoSecret, "AnyOf needs at least one verifier")
	}
	for i, v := range vs {
		if v == nil {
			return nil, errorf(ErrInvalidConfig, "AnyOf: verifier %d is nil", i+1)
		}
	}
	return anyOf(append([]Verifier(nil), vs...)), nil
}

type anyOf []Verifier

func (a anyOf) Verify(h http.Header, body []byte) (Delivery, error) {
	var first Delivery
	var errs []error
	for i, v := range a {
		d, err := v.Verify(h, body)
		if err == nil {
			return d, nil
		}
		if i == 0 {
			first = d
		}
		errs = append(errs, err)
	}
	return Delivery{Provider: first.Provider}, fmt.Errorf("verify: none of %d verifiers accepted the delivery: %w", len(a), errors.Join(errs...))
}

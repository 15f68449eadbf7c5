package verify

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error a Verifier returns wraps exactly one of the
// request-time sentinels, so callers branch with errors.Is; construction
// errors wrap ErrNoSecret or ErrInvalidConfig; Window.Check's wrap ErrTooOld
// or ErrTooNew. No error ever carries a secret,
// a presented credential or an expected signature: the detail names headers,
// lengths and formats only.
var (
	// ErrMissingSignature: the signature header (or another header the
	// scheme signs, such as a delivery id) is absent or empty.
	ErrMissingSignature = errors.New("signature missing")

	// ErrMalformedSignature: the signature header is present but cannot be
	// parsed: wrong encoding, wrong length, too long, repeated, or a list
	// with no entry of the expected version.
	ErrMalformedSignature = errors.New("signature malformed")

	// ErrInvalidSignature: the signature is well formed but no configured
	// secret produces it over the received bytes.
	ErrInvalidSignature = errors.New("signature invalid")

	// ErrMissingTimestamp: the scheme requires a sender timestamp and the
	// delivery carries none.
	ErrMissingTimestamp = errors.New("timestamp missing")

	// ErrMalformedTimestamp: the sender timestamp is not in a format the
	// scheme accepts, or is out of the representable range.
	ErrMalformedTimestamp = errors.New("timestamp malformed")

	// ErrTooOld: Window.Check found the sender's time further in the past
	// than the window allows (a late retry or a replay).
	ErrTooOld = errors.New("timestamp too old")

	// ErrTooNew: Window.Check found the sender's time further in the future
	// than the window allows (sender clock skew or a forged unsigned
	// timestamp).
	ErrTooNew = errors.New("timestamp too far in the future")

	// ErrUnauthorized: a non-HMAC credential (shared token, Basic
	// credentials, Authorization value, JWT bearer) is missing or wrong.
	ErrUnauthorized = errors.New("unauthorized")

	// ErrNoSecret: a verifier was constructed without a usable secret or
	// credential. Verifiers never fall back to accepting everything.
	ErrNoSecret = errors.New("no secret configured")

	// ErrInvalidConfig: a verifier was constructed with settings that cannot
	// work (an undecodable whsec_ secret, a JWT verifier with no allowed
	// algorithm, an unknown placeholder in a signed-content template, ...).
	ErrInvalidConfig = errors.New("invalid verifier configuration")
)

// The request-time sentinels of secrets per tenant. VerifyTenant's errors
// wrap one of them, or one of the package's other sentinels when the
// tenant's own verifier refused the delivery.
var (
	// ErrUnknownTenant: the delivery's tenant has no usable secrets. The
	// source does not know it (or holds no secret for it, or only secrets
	// that do not make a verifier), the request named no tenant, or the
	// name is not one a tenant can have (empty, longer than MaxTenantLen,
	// not UTF-8, a control character). The middleware answers 401, as for a
	// wrong signature, so the status does not tell which tenants exist.
	ErrUnknownTenant = errors.New("unknown tenant")

	// ErrSecretsUnavailable: the tenant's secrets could not be looked up
	// (the source failed, timed out or panicked): nothing is known about
	// the delivery. The middleware answers 503 so the sender retries.
	ErrSecretsUnavailable = errors.New("secrets unavailable")
)

// errorf wraps a sentinel with detail. The detail must never include secret
// material; callers pass header names, lengths and formats only.
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("verify: %w: "+format, append([]any{sentinel}, args...)...)
}

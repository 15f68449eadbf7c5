// Package verify authenticates webhook deliveries on the receiving side.
//
// A [Verifier] looks at a delivery's headers and raw body bytes and decides:
// it returns a [Delivery] (which sender, which secret matched, the sender's
// timestamp and whether it is signed, a deduplication [Key]) or an error
// wrapping one of the package's sentinels ([ErrMissingSignature],
// [ErrInvalidSignature], [ErrTooOld], ...). It never writes a response: the
// middleware package turns the decision into an HTTP answer.
//
// Senders that sign with HMAC-SHA256 are described by a [Scheme] and verified
// by [HMAC]. Presets cover Checkly, StatusStack, Grafana Alerting, GitHub,
// Stripe, Standard Webhooks and PagerDuty; any other HMAC sender is a Scheme
// value away. Standard Webhooks' asymmetric "v1a" signatures (Ed25519,
// "whpk_" public keys), alone or mixed with "v1" in one header, are verified
// by [StandardWebhooksKeys].
// Senders without signatures (Grafana OnCall, Datadog) are verified by a
// shared token, HTTP Basic credentials, a verbatim Authorization value, or a
// JWT bearer token.
//
// Every verifier accepts several secrets at once, for rotation, compares in
// constant time, bounds header lengths before parsing, and fails closed: a
// verifier without a usable secret cannot be constructed.
//
// One route can serve many tenants, each with secrets of its own: [PerTenant]
// builds a [TenantAuth] that looks a tenant's secrets up in a [SecretSource]
// (a database, a secrets manager) through a bounded cache, and keeps every
// tenant's dedupe keys and ordering state apart. A tenant the source does not
// know is [ErrUnknownTenant]; a source that fails is [ErrSecretsUnavailable].
//
// The signature covers the raw body bytes. Verify before decoding, and never
// re-serialise a decoded body to check it: any difference in whitespace or
// key order breaks the signature.
package verify

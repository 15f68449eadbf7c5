package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// Verifier authenticates one webhook delivery from its headers and its raw
// body bytes. It decides and never writes: the caller turns the result into
// an HTTP answer.
//
// It returns the Delivery and a nil error when a configured secret or
// credential proves the delivery authentic, and otherwise a zero Delivery
// (but for Provider) and an error wrapping one of the package's sentinels.
// A verifier does not judge freshness: the sender's time is reported in the
// Delivery, and the caller judges it with a Window (the middleware does).
//
// Implementations are safe for concurrent use.
type Verifier interface {
	Verify(h http.Header, body []byte) (Delivery, error)
}

// Delivery is what a Verifier learned about one authentic delivery.
type Delivery struct {
	// Provider names the sender ("checkly", "statusstack", ...).
	Provider string

	// SecretID identifies which configured secret or credential matched
	// (its Secret.ID). It is never the secret itself.
	SecretID string

	// Scope tells apart deliveries authenticated by different credentials
	// of one provider (two Datadog accounts, two tenants): a one-way
	// fingerprint of the credential that matched, 16 hex digits, equal for
	// every delivery that credential authenticates. It is part of Key, and
	// the middleware keeps ordering state per provider and Scope, so two
	// routes of one provider that share a store never share state by
	// accident. It is derived with PBKDF2 and reveals nothing usable about
	// the credential.
	Scope string

	// Timestamp is the sender's time for this delivery, or zero when the
	// sender sent none.
	Timestamp time.Time

	// TimestampSigned is true when Timestamp is covered by the signature
	// (Stripe, Standard Webhooks, StatusStack's body, Grafana with a
	// timestamp header). An unsigned timestamp, such as Checkly's
	// x-checkly-timestamp header, is advisory: whoever replays a captured
	// delivery can change it, so freshness based on it stops late retries
	// but not replays.
	TimestampSigned bool

	// BodySigned is true when the signature covers the body (every HMAC
	// scheme), so what the body says was written by the sender and cannot
	// be changed by whoever replays the delivery: a time in the body bounds
	// how old the delivery can be. It is false for credentials that sign
	// nothing (a token, Basic credentials, a JWT bearer): they prove who
	// sent a delivery, not what it says.
	BodySigned bool

	// ID is the sender's delivery id when the scheme signs one (Standard
	// Webhooks' webhook-id); empty otherwise.
	ID string

	// Key identifies the delivery for deduplication. It derives from
	// authenticated material only (see Key), so an attacker cannot make a
	// new delivery collide with one already processed.
	Key Key
}

// Key is a delivery's deduplication key: a SHA-256 over the provider name,
// the credential's Scope and authenticated material. Which material depends
// on the scheme:
//
//   - the signed delivery id, when the scheme signs one (Standard Webhooks):
//     the sender's own statement of which retries are one delivery;
//   - the MAC itself, when the signed content is the body alone (Checkly,
//     StatusStack, GitHub): a keyed hash of the body that costs no extra pass,
//     hashed under a tag naming the provider and the Scope (kept per
//     credential) in one SHA-256 block, so a delivery's key costs one
//     compression;
//   - otherwise the SHA-256 of the body (Stripe and timestamped Grafana sign a
//     timestamp that changes between retries, so the MAC cannot be used; token,
//     Basic and JWT senders sign nothing).
//
// A Key never reveals a secret or a signature: it is one-way over them.
type Key [sha256.Size]byte

// String returns the key in lowercase hex.
func (k Key) String() string { return hex.EncodeToString(k[:]) }

// IsZero reports whether k is the zero key (no delivery).
func (k Key) IsZero() bool { return k == Key{} }

// AppendHex appends the key in lowercase hex to dst, for callers that build
// store keys without an intermediate string.
func (k Key) AppendHex(dst []byte) []byte { return hex.AppendEncode(dst, k[:]) }

// Mix returns a key derived from k and extra: the same inputs give the same
// key, and no extra value gives k itself. The middleware uses it to tell
// apart two deliveries whose bodies are byte-identical but whose unsigned
// timestamps differ (a Checkly template with neither CHECK_RESULT_ID nor
// STARTED_AT).
func (k Key) Mix(extra string) Key {
	h := sha256.New()
	h.Write([]byte(keyDomain))
	h.Write([]byte{'x'})
	h.Write(k[:])
	h.Write([]byte(extra))
	var out Key
	h.Sum(out[:0])
	return out
}

// The key derivations. Each tags its input so the kinds can never produce
// one another's keys. Keys of a MAC have their own domain (v3): one block,
// SHA-256(tag ‖ 'm' ‖ MAC), where the tag is the first macTagLen bytes of
// SHA-256(keyDomainMAC ‖ provider ‖ 0 ‖ scope). Keys of an id or a body keep
// v2's layout, SHA-256(keyDomain ‖ provider ‖ 0 ‖ scope ‖ 0 ‖ kind ‖ digest).
const (
	keyDomain    = "hookseal/delivery-key/v2\x00"
	keyDomainMAC = "hookseal/delivery-key/v3/mac\x00"
)

// macTagLen is as much of a credential's tag as fits beside the kind and a
// MAC in the 55 bytes SHA-256 hashes in one block: 176 bits, far more than
// it takes to keep a handful of credentials (64-bit scopes) apart.
const macTagLen = 55 - 1 - sha256.Size

// maxScopeLen bounds a scope in key derivation; scopes made by this package
// are 16 bytes, and a custom verifier's longer one is hashed first.
const maxScopeLen = 64

// keyPrefix is what every key derived under one provider and scope starts
// with: for an id or a body, the domain, the provider and the scope, each
// ended by a zero byte; for a MAC, the tag. A verifier keeps one per
// credential (with its scope), so a delivery's key hashes only what
// changes from delivery to delivery.
type keyPrefix struct {
	// buf holds the prefix and room for the kind and a digest: provider
	// is bounded by construction (maxProviderLen), scope as in
	// newKeyPrefix, and a digest is at most one SHA-256, so a whole key
	// input fits and the derivation does not allocate.
	buf [len(keyDomain) + maxProviderLen + 1 + maxScopeLen + 1 + 1 + sha256.Size]byte
	n   int // the prefix's length

	macTag [macTagLen]byte
}

// newKeyPrefix returns the prefix of every kind of key under provider and
// scope, for a verifier to keep.
func newKeyPrefix(provider, scope string) keyPrefix {
	p := newV2Prefix(provider, scope)
	tag := sha256.New()
	for _, part := range [...]string{keyDomainMAC, provider, "\x00", scope} {
		tag.Write([]byte(part))
	}
	var sum [sha256.Size]byte
	copy(p.macTag[:], tag.Sum(sum[:0]))
	return p
}

// newV2Prefix returns the prefix of id and body keys alone, for a key
// derived once.
func newV2Prefix(provider, scope string) keyPrefix {
	var p keyPrefix
	if len(scope) > maxScopeLen {
		s := sha256.Sum256([]byte(scope))
		scope = hex.EncodeToString(s[:])
	}
	n := copy(p.buf[:], keyDomain)
	n += copy(p.buf[n:], provider)
	p.buf[n] = 0
	n++
	n += copy(p.buf[n:], scope)
	p.buf[n] = 0
	p.n = n + 1
	return p
}

// fromMAC returns the key of a delivery whose MAC is mac: one SHA-256
// block.
func (p *keyPrefix) fromMAC(mac []byte) Key {
	var buf [macTagLen + 1 + sha256.Size]byte
	copy(buf[:], p.macTag[:])
	buf[macTagLen] = kindMAC
	copy(buf[macTagLen+1:], mac)
	return sha256.Sum256(buf[:])
}

// derive returns the key of kind over digest (at most sha256.Size bytes),
// in v2's layout.
func (p *keyPrefix) derive(kind byte, digest []byte) Key {
	buf := p.buf
	buf[p.n] = kind
	n := p.n + 1 + copy(buf[p.n+1:], digest)
	return sha256.Sum256(buf[:n])
}

// The kinds of key material.
const (
	kindMAC  = 'm'
	kindID   = 'i'
	kindBody = 'b'
)

func keyFromMAC(provider, scope string, mac []byte) Key {
	p := newKeyPrefix(provider, scope)
	return p.fromMAC(mac)
}

func keyFromID(provider, scope, id string) Key {
	p := newV2Prefix(provider, scope)
	return p.fromID(id)
}

func (p *keyPrefix) fromID(id string) Key {
	d := sha256.Sum256([]byte(id))
	return p.derive(kindID, d[:])
}

// KeyFromBody derives the deduplication key for senders that sign nothing
// (shared token, Basic, JWT bearer): the SHA-256 of the raw body under the
// provider's name and the credential's scope. Custom Verifier
// implementations use it so their keys follow the same rules as the
// built-in ones.
func KeyFromBody(provider, scope string, body []byte) Key {
	p := newV2Prefix(provider, scope)
	return p.fromBody(body)
}

func (p *keyPrefix) fromBody(body []byte) Key {
	d := sha256.Sum256(body)
	return p.derive(kindBody, d[:])
}

// maxProviderLen bounds provider names so key derivation uses a fixed buffer.
const maxProviderLen = 64

func checkProvider(name string) error {
	if name == "" {
		return errorf(ErrInvalidConfig, "provider name is empty")
	}
	if len(name) > maxProviderLen {
		return errorf(ErrInvalidConfig, "provider name is %d bytes, limit %d", len(name), maxProviderLen)
	}
	return nil
}

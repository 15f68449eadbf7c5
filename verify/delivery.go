package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// Verifier authenticates one webhook delivery from its headers and its raw
// body bytes. It decides and never writes: the caller turns the result into
// an HTTP answer.
//
// On success err is nil and the Delivery is Verified. When the delivery is
// authentic but outside the freshness window, the Delivery is still returned
// (Verified, with its Timestamp) together with an error wrapping ErrTooOld or
// ErrTooNew, so a caller can drop it as stale rather than unauthenticated.
// Every other error leaves the Delivery zero but for Provider.
//
// Implementations are safe for concurrent use.
type Verifier interface {
	Verify(h http.Header, body []byte) (Delivery, error)
}

// Delivery is what a Verifier learned about one authentic delivery.
type Delivery struct {
	// Provider names the sender ("checkly", "statusstack", ...).
	Provider string

	// Verified is true when a configured secret or credential matched.
	Verified bool

	// SecretID identifies which configured secret or credential matched
	// (its Secret.ID). It is never the secret itself.
	SecretID string

	// Timestamp is the sender's time for this delivery, or zero when the
	// sender sent none.
	Timestamp time.Time

	// TimestampSigned is true when Timestamp is covered by the signature
	// (Stripe, Standard Webhooks, StatusStack's body, Grafana with a
	// timestamp header). An unsigned timestamp, such as Checkly's
	// x-checkly-timestamp header, is advisory: whoever replays a captured
	// delivery can change it, so freshness based on it stops late retries
	// but not replays. Deduplication is the replay defence.
	TimestampSigned bool

	// ID is the sender's delivery id when the scheme signs one (Standard
	// Webhooks' webhook-id); empty otherwise.
	ID string

	// Key identifies the delivery for deduplication. It derives from
	// authenticated material only (see Key), so an attacker cannot make a
	// new delivery collide with one already processed.
	Key Key
}

// Key is a delivery's deduplication key: a SHA-256 over the provider name and
// authenticated material. Which material depends on the scheme:
//
//   - the signed delivery id, when the scheme signs one (Standard Webhooks):
//     the sender's own statement of which retries are one delivery;
//   - the MAC itself, when the signed content is the body alone (Checkly,
//     StatusStack, GitHub): a keyed hash of the body that costs no extra pass;
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

// The key derivations. Each tags its input so the three kinds can never
// produce one another's keys.
const keyDomain = "hookseal/delivery-key/v1\x00"

func deriveKey(provider string, kind byte, digest []byte) Key {
	// provider is bounded by construction (maxProviderLen) and digest is at
	// most one SHA-256, so the whole input fits a fixed buffer and the
	// derivation does not allocate.
	var buf [len(keyDomain) + maxProviderLen + 2 + sha256.Size]byte
	n := copy(buf[:], keyDomain)
	n += copy(buf[n:], provider)
	buf[n] = 0
	buf[n+1] = kind
	n += 2
	n += copy(buf[n:], digest)
	return sha256.Sum256(buf[:n])
}

func keyFromMAC(provider string, mac []byte) Key { return deriveKey(provider, 'm', mac) }

func keyFromID(provider, id string) Key {
	d := sha256.Sum256([]byte(id))
	return deriveKey(provider, 'i', d[:])
}

// KeyFromBody derives the deduplication key for senders that sign nothing
// (shared token, Basic, JWT bearer): the SHA-256 of the raw body under the
// provider's name. Custom Verifier implementations use it so their keys
// follow the same rules as the built-in ones.
func KeyFromBody(provider string, body []byte) Key {
	d := sha256.Sum256(body)
	return deriveKey(provider, 'b', d[:])
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

// Secret is one shared secret a verifier accepts. Several secrets may be
// active at once while a sender's secret is rotated; any one matching passes
// and Delivery.SecretID reports which.
type Secret struct {
	// ID names the secret in Delivery.SecretID, logs and metrics.
	// It must not be derived from the value.
	ID string
	// Value is the secret as the sender's settings show it.
	Value string
}

// Secrets names the given values "s1", "s2", ... in order, for the common
// case of secrets read from an environment variable or a flag.
func Secrets(values ...string) []Secret {
	out := make([]Secret, len(values))
	for i, v := range values {
		out[i] = Secret{ID: "s" + strconv.Itoa(i+1), Value: v}
	}
	return out
}

// checkSecrets validates a secret list at construction: at least one secret,
// none empty, IDs present and distinct.
func checkSecrets(secrets []Secret) error {
	if len(secrets) == 0 {
		return errorf(ErrNoSecret, "pass at least one secret")
	}
	seen := make(map[string]bool, len(secrets))
	for i, s := range secrets {
		if s.Value == "" {
			return errorf(ErrNoSecret, "secret %d (id %q) is empty", i+1, s.ID)
		}
		if s.ID == "" {
			return errorf(ErrInvalidConfig, "secret %d has no ID; use verify.Secrets or set Secret.ID", i+1)
		}
		if seen[s.ID] {
			return errorf(ErrInvalidConfig, "secret id %q is used twice", s.ID)
		}
		seen[s.ID] = true
	}
	return nil
}

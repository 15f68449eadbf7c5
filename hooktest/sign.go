package hooktest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hookseal/hookseal/verify"
)

// Signer signs bodies the way one HMAC sender does: it is a verify.Scheme
// and the secrets the sender signs with. Build one with a preset
// ([Checkly], [StatusStack], [GrafanaAlerting], [GitHub], [Stripe],
// [StandardWebhooks]) or with [NewSigner] for any other scheme. A Signer is
// immutable and safe for concurrent use.
type Signer struct {
	scheme  verify.Scheme
	secrets []string
}

// NewSigner returns a Signer for scheme under secrets. Schemes whose header
// carries a list (Stripe, Standard Webhooks) get one signature per secret,
// as a sender does while a secret is rolled; the other schemes carry exactly
// one signature, so Sign fails for them unless exactly one secret is given.
// An empty or missing secret also makes Sign fail: nothing is ever sent
// unsigned by accident.
func NewSigner(scheme verify.Scheme, secrets ...string) *Signer {
	return &Signer{scheme: scheme, secrets: append([]string(nil), secrets...)}
}

// Checkly signs like a Checkly webhook alert channel with a secret
// (x-checkly-signature over the raw body, x-checkly-timestamp beside it).
func Checkly(secret string) *Signer { return NewSigner(verify.ChecklyScheme(), secret) }

// StatusStack signs like StatusStack (X-StatusStack-Signature over the raw
// body). Its timestamp is the body's "timestamp" member, so [WithTimestamp]
// has no effect: set the time in the body (see [StatusStackEvent]).
func StatusStack(secret string) *Signer { return NewSigner(verify.StatusStackScheme(), secret) }

// GrafanaAlerting signs like a Grafana Alerting webhook contact point with
// an HMAC secret and no timestamp header. For a contact point with one, use
// NewSigner(verify.GrafanaAlertingScheme(header), secret).
func GrafanaAlerting(secret string) *Signer {
	return NewSigner(verify.GrafanaAlertingScheme(""), secret)
}

// GitHub signs like GitHub (X-Hub-Signature-256: sha256=<hex>).
func GitHub(secret string) *Signer { return NewSigner(verify.GitHubScheme(), secret) }

// Stripe signs like Stripe (Stripe-Signature: t=<unix>,v1=<hex>...), with
// one v1 entry per secret.
func Stripe(secrets ...string) *Signer { return NewSigner(verify.StripeScheme(), secrets...) }

// StandardWebhooks signs like a Standard Webhooks (Svix) sender, with one
// entry per secret: "v1,<base64>" (HMAC-SHA256) for a "whsec_<base64>"
// secret, "v1a,<base64>" (Ed25519) for a "whsk_<base64>" secret key (see
// [NewStandardWebhooksKey]). Mixing both models a sender moving from one
// kind to the other. [Signer.StandardWebhooksVerifier] is the receiver's
// verifier for either.
func StandardWebhooks(secrets ...string) *Signer {
	return NewSigner(verify.StandardWebhooksScheme(), secrets...)
}

// NewStandardWebhooksKey returns a fresh Ed25519 key pair in Standard
// Webhooks' forms: secretKey ("whsk_...", for [StandardWebhooks] to sign
// "v1a" entries with) and publicKey ("whpk_...", for
// verify.StandardWebhooksKeys).
func NewStandardWebhooksKey() (secretKey, publicKey string) {
	_, priv, _ := ed25519.GenerateKey(nil) // crypto/rand never fails
	return verify.FormatStandardWebhooksKey(priv)
}

// StandardWebhooksVerifier returns the verifier a receiver of this Standard
// Webhooks sender configures: its "whsec_" secrets as they are and, for its
// "whsk_" secret keys, their "whpk_" public keys (the receiver never holds a
// secret key). It fails for a Signer of another scheme or with a key that
// does not decode.
func (s *Signer) StandardWebhooksVerifier(opts ...verify.Option) (*verify.StandardWebhooksAuth, error) {
	if s.scheme.SecretFormat != verify.SecretWhsec || s.scheme.Format != verify.FormatVersioned {
		return nil, errors.New("hooktest: StandardWebhooksVerifier needs a Standard Webhooks signer")
	}
	keys := make([]string, len(s.secrets))
	for i, k := range s.secrets {
		keys[i] = k
		if strings.HasPrefix(k, "whsk_") {
			pub, err := verify.StandardWebhooksPublicKey(k)
			if err != nil {
				return nil, err
			}
			keys[i] = pub
		}
	}
	return verify.StandardWebhooksKeys(verify.Secrets(keys...), opts...)
}

// Scheme returns the scheme the Signer follows.
func (s *Signer) Scheme() verify.Scheme { return s.scheme }

// Verifier returns the verifier a receiver would configure for this sender:
// the same scheme, accepting every secret the Signer signs with. For a
// Standard Webhooks signer with "whsk_" keys use
// [Signer.StandardWebhooksVerifier].
func (s *Signer) Verifier(opts ...verify.Option) (*verify.HMACAuth, error) {
	return verify.HMAC(s.scheme, verify.Secrets(s.secrets...), opts...)
}

// Option varies one signed delivery.
type Option func(*signConfig)

type signConfig struct {
	at          time.Time
	id          string
	tamper      bool
	contentType string
	extra       http.Header
}

// WithTimestamp sets the sender's timestamp, for schemes that send one in a
// header (Checkly, Stripe, Standard Webhooks, Grafana with a timestamp
// header). Default: the time of the call. A time outside the receiver's
// window makes the delivery stale.
func WithTimestamp(t time.Time) Option { return func(c *signConfig) { c.at = t } }

// WithID sets the delivery id, for schemes that sign one (Standard
// Webhooks' webhook-id). Default: a fresh random "msg_..." id. A retry of a
// delivery carries the same id; pass the first one's to model it.
func WithID(id string) Option { return func(c *signConfig) { c.id = id } }

// Tampered changes the body after signing, as someone between the sender
// and the receiver would: one letter or digit near the end of the body is
// replaced, so the body stays the same length and JSON stays JSON, and the
// signature no longer fits it.
func Tampered() Option { return func(c *signConfig) { c.tamper = true } }

// WithContentType sets the Content-Type header. Default "application/json".
func WithContentType(ct string) Option { return func(c *signConfig) { c.contentType = ct } }

// WithHeader adds a header to the delivery, after the signature headers (so
// it can also replace one of them, to test a malformed value).
func WithHeader(name, value string) Option {
	return func(c *signConfig) {
		if c.extra == nil {
			c.extra = make(http.Header)
		}
		c.extra.Set(name, value)
	}
}

// Signed is one signed delivery: the headers and the body to send.
type Signed struct {
	// Header holds the signature headers, any timestamp and id headers,
	// and Content-Type.
	Header http.Header
	// Body is the body to send: the signed body, or its altered copy when
	// the delivery was Tampered.
	Body []byte
}

// Sign signs body and returns what the sender sends. It fails when the
// Signer has no usable secret, when a single-signature scheme is given
// several, or when a "whsec_" secret does not decode.
func (s *Signer) Sign(body []byte, opts ...Option) (Signed, error) {
	c := signConfig{contentType: "application/json"}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.at.IsZero() {
		c.at = time.Now()
	}
	if c.id == "" && s.scheme.IDHeader != "" {
		c.id = NewMessageID()
	}
	h, err := s.scheme.Sign(body, verify.SignOptions{ID: c.id, Timestamp: c.at}, s.secrets...)
	if err != nil {
		return Signed{}, err
	}
	if c.contentType != "" {
		h.Set("Content-Type", c.contentType)
	}
	for k, v := range c.extra {
		h[k] = append([]string(nil), v...)
	}
	out := bytes.Clone(body)
	if c.tamper {
		out = Tamper(out)
	}
	return Signed{Header: h, Body: out}, nil
}

// Request signs body and returns a POST request to target carrying it. The
// request suits both an http.Client and a handler's ServeHTTP (target may
// then be a bare path, "/hooks/checkly").
func (s *Signer) Request(target string, body []byte, opts ...Option) (*http.Request, error) {
	d, err := s.Sign(body, opts...)
	if err != nil {
		return nil, err
	}
	return Request(target, d.Body, d.Header)
}

// Request returns a POST request to target with body and a copy of header.
// It sets Content-Type to application/json unless header has one. Use it
// with the credential helpers ([AuthorizationHeader], [BasicHeader], ...)
// for senders that sign nothing.
func Request(target string, body []byte, header http.Header) (*http.Request, error) {
	if target == "" {
		return nil, errors.New("hooktest: request target is empty")
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = append([]string(nil), v...)
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Tamper returns a copy of body with one byte changed: the last ASCII letter
// or digit is replaced by another of its kind, so the length and the JSON
// structure stay as they were. A body with neither gets a space appended.
func Tamper(body []byte) []byte {
	out := bytes.Clone(body)
	for i := len(out) - 1; i >= 0; i-- {
		switch c := out[i]; {
		case c >= '0' && c <= '8', c >= 'a' && c <= 'y', c >= 'A' && c <= 'Y':
			out[i] = c + 1
			return out
		case c == '9':
			out[i] = '0'
			return out
		case c == 'z':
			out[i] = 'a'
			return out
		case c == 'Z':
			out[i] = 'A'
			return out
		}
	}
	return append(out, ' ')
}

// NewMessageID returns a random delivery id in the style of Standard
// Webhooks senders: "msg_" and 27 base62 characters.
func NewMessageID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var raw [27]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails
	id := make([]byte, 0, 4+len(raw))
	id = append(id, "msg_"...)
	for _, b := range raw {
		id = append(id, alphabet[int(b)%len(alphabet)])
	}
	return string(id)
}

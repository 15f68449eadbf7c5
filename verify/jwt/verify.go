package jwt

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/internal/header"
)

// Verifier verifies deliveries carrying a JWT as "Authorization: Bearer
// <jwt>". Build one with New. It implements verify.Verifier and is safe for
// concurrent use.
//
// The token is not the delivery: a sender reuses one access token for many
// deliveries until it expires, and signs nothing about the body. So the
// Delivery's Key derives from the body (verify.KeyFromBody), its ID stays
// empty (a jti names the token, not the delivery), and its Timestamp stays
// zero (iat says when the token was issued, not when the delivery was
// sent). Delivery.SecretID names the key that verified the token: the
// JWK's or Key's kid, or the HMAC secret's ID. Delivery.Scope derives from
// the token's iss and sub, so deliveries of two clients of one issuer (two
// Datadog accounts with their own OAuth clients) never share dedupe or
// ordering state.
type Verifier struct {
	provider string
	cfg      Config // normalized: defaults applied, slices owned
	parser   *gojwt.Parser
	keys     keyStore
}

// Claims are the claims of a verified token, for callers that need to know
// whom the token was issued to (VerifyClaims).
type Claims struct {
	Issuer    string    // iss
	Subject   string    // sub; empty when the token has none
	Audience  []string  // aud
	ID        string    // jti; empty when the token has none
	ExpiresAt time.Time // exp
	NotBefore time.Time // nbf; zero when the token has none
	IssuedAt  time.Time // iat; zero when the token has none
	// All holds every claim as encoding/json decoded it (numbers are
	// float64), for private claims such as azp, client_id or scope.
	All map[string]any
}

// New returns a verifier for JWT bearer tokens under cfg, whose deliveries
// name provider ("datadog", "oncall"). A token must be signed by a key of
// cfg.Keys with an allowed algorithm whose key type fits (HS* with an HMAC
// secret, RS* and PS* with an RSA key of at least 2048 bits, ES256/384/512
// with an ECDSA key on P-256/P-384/P-521, EdDSA with an Ed25519 key), carry
// the configured iss, one of the configured aud values and an exp, and be
// within exp and nbf by cfg.Now give or take cfg.Leeway.
//
// It fails closed: an empty provider name, an empty allowlist, an unknown
// algorithm or "none", an empty Issuer or Audience, no Keys, a key that fits
// no allowed algorithm, an allowed algorithm with no key, an HMAC algorithm
// beside a public-key source, or a key set that cannot be read is an error
// wrapping verify.ErrInvalidConfig or verify.ErrNoSecret. Failures at
// request time wrap verify.ErrUnauthorized and, where one applies, a
// golang-jwt sentinel (ErrTokenExpired, ErrTokenInvalidIssuer, ...).
func New(provider string, cfg Config) (*Verifier, error) {
	cfg, err := cfg.normalize(provider)
	if err != nil {
		return nil, err
	}
	if err := cfg.checkKeyKind(); err != nil {
		return nil, err
	}
	keys, err := cfg.Keys.open(cfg.Algorithms)
	if err != nil {
		return nil, err
	}
	return &Verifier{provider: provider, cfg: cfg, parser: newParser(cfg), keys: keys}, nil
}

// newParser returns the parser for cfg's allowlist and claims. A parser is
// read-only once built and safe for concurrent use.
func newParser(cfg Config) *gojwt.Parser {
	return gojwt.NewParser(
		gojwt.WithValidMethods(cfg.Algorithms),
		gojwt.WithIssuer(cfg.Issuer),
		gojwt.WithAudience(cfg.Audience...),
		gojwt.WithExpirationRequired(),
		gojwt.WithLeeway(cfg.Leeway),
		gojwt.WithTimeFunc(cfg.Now),
		// Canonical base64 only, so one token has one spelling.
		gojwt.WithStrictDecoding(),
	)
}

// Close stops the background refresh of a key set fetched from a URL
// (JWKSURL). The verifier keeps verifying with the keys it holds, but no
// longer fetches. For other key sources Close does nothing. It always
// returns nil.
func (v *Verifier) Close() error {
	if v.keys != nil {
		v.keys.close()
	}
	return nil
}

// Verify implements verify.Verifier.
func (v *Verifier) Verify(h http.Header, body []byte) (verify.Delivery, error) {
	d, _, err := v.verify(h, body)
	return d, err
}

// VerifyClaims is Verify that also returns the verified token's claims, for
// a receiver that must tell apart several clients of one issuer (by sub,
// azp or client_id). The claims are zero when err is not nil.
func (v *Verifier) VerifyClaims(h http.Header, body []byte) (verify.Delivery, Claims, error) {
	d, mc, err := v.verify(h, body)
	if err != nil {
		return d, Claims{}, err
	}
	c := Claims{All: map[string]any(mc)}
	c.Issuer, _ = mc.GetIssuer()
	c.Subject, _ = mc.GetSubject()
	c.Audience, _ = mc.GetAudience()
	c.ID, _ = mc["jti"].(string)
	c.ExpiresAt = numericTime(mc.GetExpirationTime())
	c.NotBefore = numericTime(mc.GetNotBefore())
	c.IssuedAt = numericTime(mc.GetIssuedAt())
	return d, c, nil
}

func numericTime(n *gojwt.NumericDate, _ error) time.Time {
	if n == nil {
		return time.Time{}
	}
	return n.Time
}

func (v *Verifier) allowed(alg string) bool { return slices.Contains(v.cfg.Algorithms, alg) }

// keyChoice records, for one token, which key verifies it or why none can.
type keyChoice struct {
	key any
	id  string
	err error
}

func (v *Verifier) verify(h http.Header, body []byte) (verify.Delivery, gojwt.MapClaims, error) {
	fail := verify.Delivery{Provider: v.provider}
	raw, st := header.Single(h, "Authorization", v.cfg.MaxHeaderLen)
	if st != header.OK {
		return fail, nil, errorf(verify.ErrUnauthorized, "header Authorization is %s", st.Describe(v.cfg.MaxHeaderLen))
	}
	tokenString, err := parseBearer(raw)
	if err != nil {
		return fail, nil, err
	}
	var picked keyChoice
	claims := gojwt.MapClaims{}
	tok, err := v.parser.ParseWithClaims(tokenString, claims, func(t *gojwt.Token) (any, error) {
		picked = v.pickKey(t)
		return picked.key, picked.err
	})
	if err != nil {
		return fail, nil, v.explain(tok, claims, err, picked)
	}
	if !tok.Valid || !v.allowed(tok.Method.Alg()) { // belt and braces
		return fail, nil, errorf(verify.ErrUnauthorized, "bearer token is not valid")
	}
	iss, _ := claims.GetIssuer() // checked by the parser: Config.Issuer
	sub, isString := claims["sub"].(string)
	if _, present := claims["sub"]; present && !isString {
		return fail, nil, &tokenError{msg: "token sub claim is not a string", cause: gojwt.ErrInvalidType}
	}
	scope := scopeOf(iss, sub)
	return verify.Delivery{
		Provider: v.provider,
		SecretID: picked.id,
		Scope:    scope,
		Key:      verify.KeyFromBody(v.provider, scope, body),
	}, claims, nil
}

// scopeDomain tags the scope derivation, so it never collides with another.
const scopeDomain = "hookseal/jwt-scope/v1\x00"

// scopeOf is a delivery's Scope: the first 16 hex digits of a SHA-256 over
// the token's iss and sub (length-prefixed, so no two pairs share an
// input). Tokens of one client share it; tokens of two clients of one
// issuer do not. Both claims are public, so the scope hides nothing secret
// and needs no slow derivation.
func scopeOf(iss, sub string) string {
	h := sha256.New()
	h.Write([]byte(scopeDomain))
	h.Write(binary.AppendUvarint(nil, uint64(len(iss))))
	h.Write([]byte(iss))
	h.Write([]byte(sub))
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// pickKey finds the key that verifies t. It runs after the parser has
// checked the algorithm against the allowlist and before it checks the
// signature: it returns only a key of the token algorithm's family, and when
// several could fit it checks the signature itself to learn which one signs.
func (v *Verifier) pickKey(t *gojwt.Token) keyChoice {
	alg := t.Method.Alg()
	if !v.allowed(alg) {
		return keyChoice{err: v.algError(alg)}
	}
	if _, crit := t.Header["crit"]; crit {
		return keyChoice{err: errorf(verify.ErrUnauthorized, "token header lists critical extensions (crit), which this verifier does not support")}
	}
	var kid string
	if k, ok := t.Header["kid"]; ok {
		if kid, ok = k.(string); !ok {
			return keyChoice{err: errorf(verify.ErrUnauthorized, "token header kid is not a string")}
		}
	}
	cands, err := v.keys.candidates(alg, kid)
	if err != nil {
		return keyChoice{err: err}
	}
	switch len(cands) {
	case 0:
		if kid != "" {
			return keyChoice{err: errorf(verify.ErrUnauthorized, "no configured key with kid %q fits algorithm %s", clip(kid), alg)}
		}
		return keyChoice{err: errorf(verify.ErrUnauthorized, "no configured key fits algorithm %s", alg)}
	case 1:
		return keyChoice{key: cands[0].key, id: cands[0].id}
	}
	signed := t.Raw[:strings.LastIndexByte(t.Raw, '.')]
	for _, c := range cands {
		if t.Method.Verify(signed, t.Signature, c.key) == nil {
			return keyChoice{key: c.key, id: c.id}
		}
	}
	return keyChoice{err: &tokenError{
		msg:   fmt.Sprintf("token signature does not verify with any configured %s key (%d tried)", alg, len(cands)),
		cause: gojwt.ErrTokenSignatureInvalid,
	}}
}

// parseBearer extracts the JWT from an Authorization value of the Bearer
// scheme (RFC 6750; the scheme name matches case-insensitively). It checks
// the token's shape, three base64url parts joined by '.', so obviously wrong
// values fail with a clear message before any decoding. Errors wrap
// verify.ErrUnauthorized and never quote the value.
func parseBearer(value string) (string, error) {
	tok, ok := cutScheme(value, "Bearer")
	if !ok {
		return "", errorf(verify.ErrUnauthorized, "Authorization header is not Bearer (want \"Bearer <jwt>\")")
	}
	if tok == "" {
		return "", errorf(verify.ErrUnauthorized, "Authorization header is Bearer with no token")
	}
	dots := 0
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c == '.':
			dots++
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return "", errorf(verify.ErrUnauthorized, "bearer token is not a JWT: it holds a character outside base64url and '.'")
		}
	}
	if dots != 2 {
		return "", errorf(verify.ErrUnauthorized, "bearer token is not a signed JWT (want three base64url parts joined by '.', it has %d)", dots+1)
	}
	return tok, nil
}

// cutScheme reports whether value starts with the authentication scheme
// (matched case-insensitively, RFC 9110 section 11.1) followed by at least
// one space, and returns the rest with leading spaces removed. A value that
// is the scheme name alone returns "", true.
func cutScheme(value, scheme string) (rest string, ok bool) {
	if len(value) < len(scheme) || !strings.EqualFold(value[:len(scheme)], scheme) {
		return "", false
	}
	rest = value[len(scheme):]
	if rest == "" {
		return "", true
	}
	if rest[0] != ' ' {
		return "", false // "Bearerx", "Bearer\tx", "Bearer:x"
	}
	return strings.TrimLeft(rest, " "), true
}

package hooktest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

// JWTIssuer mints JWT bearer tokens the way an OAuth 2.0 issuer (Auth0,
// Okta, Keycloak, Entra ID) does for Datadog's client-credentials option, so
// a test can drive a route verified by package verify/jwt without an
// identity provider. It signs with golang-jwt itself, independently of the
// verifier. [JWTIssuer.Config] is the jwt.Config a receiver needs to accept
// its tokens. A JWTIssuer is safe for concurrent use.
type JWTIssuer struct {
	alg      string
	method   gojwt.SigningMethod
	issuer   string
	audience string
	kid      string
	now      func() time.Time
	key      any // []byte, *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey
}

// JWTOption configures a JWTIssuer.
type JWTOption func(*JWTIssuer)

// WithSigningKey sets the key tokens are signed with, instead of a fresh
// one: a []byte for HS256/384/512 (at least 32, 48 or 64 bytes, and
// acceptable to verify.CheckSecrets: no control characters, no surrounding
// whitespace), an
// *rsa.PrivateKey for RS* and PS*, an *ecdsa.PrivateKey on the algorithm's
// curve for ES*, an ed25519.PrivateKey for EdDSA.
func WithSigningKey(key any) JWTOption { return func(i *JWTIssuer) { i.key = key } }

// WithKeyID sets the kid written in every token's header and in the key set.
// Default "hooktest-1".
func WithKeyID(kid string) JWTOption { return func(i *JWTIssuer) { i.kid = kid } }

// WithJWTClock sets the clock iat and exp are computed from. Default
// time.Now.
func WithJWTClock(now func() time.Time) JWTOption { return func(i *JWTIssuer) { i.now = now } }

// NewJWTIssuer returns an issuer signing with alg ("HS256", "HS384",
// "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
// "ES384", "ES512" or "EdDSA") whose tokens carry iss = issuer and aud =
// audience. Without WithSigningKey it generates a key: random printable
// bytes of the hash's size for HS*, RSA 2048 bits for RS* and PS*, the
// algorithm's curve for ES*, Ed25519 for EdDSA.
func NewJWTIssuer(alg, issuer, audience string, opts ...JWTOption) (*JWTIssuer, error) {
	m := gojwt.GetSigningMethod(alg)
	if m == nil || alg == "none" {
		return nil, fmt.Errorf("hooktest: unknown JWT algorithm %q", alg)
	}
	if issuer == "" || audience == "" {
		return nil, errors.New("hooktest: a JWT issuer needs an issuer and an audience")
	}
	i := &JWTIssuer{alg: alg, method: m, issuer: issuer, audience: audience, kid: "hooktest-1", now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(i)
		}
	}
	if i.now == nil {
		i.now = time.Now
	}
	if i.key == nil {
		key, err := generateKey(alg)
		if err != nil {
			return nil, err
		}
		i.key = key
	}
	if err := checkKey(alg, i.key); err != nil {
		return nil, err
	}
	return i, nil
}

func generateKey(alg string) (any, error) {
	switch alg {
	case "HS256", "HS384", "HS512":
		// Printable (base64url characters, 6 random bits each), since a
		// verifier refuses secrets with control characters or whitespace.
		raw := make([]byte, hmacKeySize(alg))
		_, _ = rand.Read(raw)
		return []byte(base64.RawURLEncoding.EncodeToString(raw)[:len(raw)]), nil
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "ES256", "ES384", "ES512":
		return ecdsa.GenerateKey(curveOf(alg), rand.Reader)
	case "EdDSA":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("hooktest: unknown JWT algorithm %q", alg)
}

func checkKey(alg string, key any) error {
	ok := false
	switch k := key.(type) {
	case []byte:
		ok = hmacKeySize(alg) > 0 && len(k) >= hmacKeySize(alg)
	case *rsa.PrivateKey:
		ok = alg[0] == 'R' || alg[0] == 'P'
	case *ecdsa.PrivateKey:
		ok = curveOf(alg) != nil && k.Curve == curveOf(alg)
	case ed25519.PrivateKey:
		ok = alg == "EdDSA"
	}
	if !ok {
		return fmt.Errorf("hooktest: a %T key does not fit %s (HS256 needs at least 32 bytes, ES256 a P-256 key, ...)", key, alg)
	}
	if k, isHMAC := key.([]byte); isHMAC {
		// The rule every verifier applies to a configured secret.
		if err := verify.CheckSecrets([]verify.Secret{{ID: "hmac", Value: string(k)}}); err != nil {
			return fmt.Errorf("hooktest: no verifier accepts this HMAC key: %w", err)
		}
	}
	return nil
}

func hmacKeySize(alg string) int {
	switch alg {
	case "HS256":
		return 32
	case "HS384":
		return 48
	case "HS512":
		return 64
	}
	return 0
}

func curveOf(alg string) elliptic.Curve {
	switch alg {
	case "ES256":
		return elliptic.P256()
	case "ES384":
		return elliptic.P384()
	case "ES512":
		return elliptic.P521()
	}
	return nil
}

// ClaimOption varies one token. It is called with the issuer's clock
// reading for the token and the claims about to be signed, which it may
// change.
type ClaimOption func(now time.Time, claims gojwt.MapClaims)

// ExpiresIn sets exp to d after the issuer's clock; a negative d mints an
// expired token. Default 5 minutes.
func ExpiresIn(d time.Duration) ClaimOption {
	return func(now time.Time, c gojwt.MapClaims) { c["exp"] = now.Add(d).Unix() }
}

// WithClaim sets one claim, replacing the default for iss, aud, sub, exp,
// iat or jti; a nil value removes the claim (a token without exp, ...).
func WithClaim(name string, value any) ClaimOption {
	return func(_ time.Time, c gojwt.MapClaims) {
		if value == nil {
			delete(c, name)
			return
		}
		c[name] = value
	}
}

// Token mints a signed token: iss, aud (a single string), sub "hooktest",
// iat now, exp five minutes later, a random jti, and the kid in the header.
func (i *JWTIssuer) Token(opts ...ClaimOption) (string, error) {
	now := i.now()
	var jti [12]byte
	_, _ = rand.Read(jti[:])
	claims := gojwt.MapClaims{
		"iss": i.issuer,
		"aud": i.audience,
		"sub": "hooktest",
		"iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
		"jti": base64.RawURLEncoding.EncodeToString(jti[:]),
	}
	for _, o := range opts {
		if o != nil {
			o(now, claims)
		}
	}
	tok := gojwt.NewWithClaims(i.method, claims)
	if i.kid != "" {
		tok.Header["kid"] = i.kid
	}
	return tok.SignedString(i.key)
}

// Header mints a token and returns it as "Authorization: Bearer <jwt>".
func (i *JWTIssuer) Header(opts ...ClaimOption) (http.Header, error) {
	tok, err := i.Token(opts...)
	if err != nil {
		return nil, err
	}
	return BearerHeader(tok), nil
}

// Config returns the jwt.Config that accepts the issuer's tokens: its
// algorithm, issuer and audience, its key (jwt.HMACSecrets for HS*, the
// public key set as jwt.JWKS otherwise), and its clock (WithJWTClock), so a
// test on a fixed clock needs nothing more. Pass it to jwt.New.
func (i *JWTIssuer) Config() jwt.Config {
	cfg := jwt.Config{
		Algorithms: []string{i.alg},
		Issuer:     i.issuer,
		Audience:   []string{i.audience},
		Now:        i.now,
	}
	if k, ok := i.key.([]byte); ok {
		cfg.Keys = jwt.HMACSecrets(verify.Secret{ID: i.kidOr("hmac"), Value: string(k)})
	} else {
		cfg.Keys = jwt.JWKS(i.JWKS())
	}
	return cfg
}

func (i *JWTIssuer) kidOr(def string) string {
	if i.kid != "" {
		return i.kid
	}
	return def
}

// JWKS returns the issuer's public key as a JSON Web Key Set, as an issuer's
// jwks_uri serves it; nil for an HMAC issuer, whose key is not public.
func (i *JWTIssuer) JWKS() []byte {
	jwk := map[string]string{"use": "sig", "alg": i.alg}
	if i.kid != "" {
		jwk["kid"] = i.kid
	}
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := i.key.(type) {
	case *rsa.PrivateKey:
		jwk["kty"] = "RSA"
		jwk["n"] = b64(k.N.Bytes())
		jwk["e"] = b64(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PrivateKey:
		pub, err := k.PublicKey.ECDH()
		if err != nil {
			return nil
		}
		raw := pub.Bytes() // 0x04 || X || Y, each padded to the curve size
		size := (len(raw) - 1) / 2
		jwk["kty"] = "EC"
		jwk["crv"] = k.Curve.Params().Name
		jwk["x"] = b64(raw[1 : 1+size])
		jwk["y"] = b64(raw[1+size:])
	case ed25519.PrivateKey:
		jwk["kty"] = "OKP"
		jwk["crv"] = "Ed25519"
		jwk["x"] = b64(k.Public().(ed25519.PublicKey))
	default:
		return nil
	}
	out, err := json.Marshal(map[string]any{"keys": []any{jwk}})
	if err != nil {
		return nil
	}
	return out
}

// PublicKeyPEM returns the issuer's public key as a PEM "PUBLIC KEY" block,
// for jwt.PublicKeys; nil for an HMAC issuer.
func (i *JWTIssuer) PublicKeyPEM() []byte {
	var pub any
	switch k := i.key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	case ed25519.PrivateKey:
		pub = k.Public()
	default:
		return nil
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

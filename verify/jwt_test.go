package verify

import (
	"context"
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
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

var (
	jwtNow      = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	jwtIssuer   = "https://issuer.example.com/"
	jwtAudience = "https://hooks.example.com/datadog"
	jwtHMAC1    = "hookseal-jwt-hmac-secret-32bytes"
	jwtHMAC2    = "hookseal-jwt-hmac-rotated-secret"
)

func jwtClock() Option { return WithClock(func() time.Time { return jwtNow }) }

// jwtTestKeys are generated once per test binary: RSA generation is slow.
type jwtTestKeys struct {
	rsa, rsaOther, rsaSmall *rsa.PrivateKey
	ec, ec384               *ecdsa.PrivateKey
	ed                      ed25519.PrivateKey
}

var jwtKeys = sync.OnceValue(func() *jwtTestKeys {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	k := &jwtTestKeys{}
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsaOther, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsaSmall, err = rsa.GenerateKey(rand.Reader, 1024)
	must(err)
	k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

func pemPublic(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func jwtBaseClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": jwtIssuer,
		"aud": jwtAudience,
		"sub": "datadog-webhooks@clients",
		"azp": "dd-client-1",
		"iat": jwtNow.Add(-time.Minute).Unix(),
		"exp": jwtNow.Add(5 * time.Minute).Unix(),
		"jti": "tok-1",
	}
}

// claimsWith returns the base claims changed by kv (a nil value deletes).
func claimsWith(kv ...any) jwt.MapClaims {
	c := jwtBaseClaims()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

// signJWT signs claims; kid "" leaves the header without a kid.
func signJWT(t testing.TB, m jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// craftJWT assembles a token from raw JSON parts and a raw signature part.
func craftJWT(header, claims, sig string) string {
	return b64url(header) + "." + b64url(claims) + "." + sig
}

func bearer(tok string) http.Header { return authHeader("Authorization", "Bearer "+tok) }

// pemVerifier accepts RS256 (kid rsa1), ES256 (kid ec1) and EdDSA (no kid:
// reported as key3).
func pemVerifier(t testing.TB, mod func(*JWTConfig), opts ...Option) *JWTAuth {
	t.Helper()
	k := jwtKeys()
	cfg := JWTConfig{
		Algorithms: []string{"RS256", "ES256", "EdDSA"},
		Issuer:     jwtIssuer,
		Audience:   []string{jwtAudience},
		PublicKeys: []JWTKey{
			{KID: "rsa1", PEM: pemPublic(t, &k.rsa.PublicKey)},
			{KID: "ec1", PEM: pemPublic(t, &k.ec.PublicKey)},
			{PEM: pemPublic(t, k.ed.Public())},
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	v, err := JWT("datadog", cfg, append([]Option{jwtClock()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestJWTPublicKeys(t *testing.T) {
	k := jwtKeys()
	v := pemVerifier(t, nil)
	good := signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", jwtBaseClaims())
	parts := strings.Split(good, ".")
	tamperedClaims := claimsWith("sub", "someone-else")
	tamperedJSON, _ := json.Marshal(tamperedClaims)
	sig := []byte(parts[2]) // one base64url character changed mid-signature
	if sig[len(sig)/2] == 'A' {
		sig[len(sig)/2] = 'B'
	} else {
		sig[len(sig)/2] = 'A'
	}
	// A second spelling of the same signature bytes: the last character of
	// a 256-byte signature carries 4 unused bits; flip one of them.
	const b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(b64chars, parts[2][len(parts[2])-1])
	respelled := parts[2][:len(parts[2])-1] + string(b64chars[last^1])
	if dec, _ := base64.RawURLEncoding.DecodeString(respelled); string(dec) != func() string { d, _ := base64.RawURLEncoding.DecodeString(parts[2]); return string(d) }() {
		t.Fatal("the respelled signature decodes differently")
	}
	claimsJSON, _ := json.Marshal(jwtBaseClaims())

	runAuthCases(t, v, "datadog", nil, []authCase{
		{name: "ok, RS256 with kid", header: bearer(good), wantID: "rsa1"},
		{name: "ok, RS256 without kid: every RSA key tried", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "", jwtBaseClaims())), wantID: "rsa1"},
		{name: "ok, ES256 with kid", header: bearer(signJWT(t, jwt.SigningMethodES256, k.ec, "ec1", jwtBaseClaims())), wantID: "ec1"},
		{name: "ok, EdDSA without kid, key without KID", header: bearer(signJWT(t, jwt.SigningMethodEdDSA, k.ed, "", jwtBaseClaims())), wantID: "key3"},
		{name: "ok, EdDSA with a kid no KID-less key contradicts", header: bearer(signJWT(t, jwt.SigningMethodEdDSA, k.ed, "ed-2026", jwtBaseClaims())), wantID: "key3"},
		{name: "ok, scheme in lower case, extra spaces", header: authHeader("Authorization", "bearer   "+good), wantID: "rsa1"},
		{name: "ok, aud is a list holding ours", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("aud", []string{"other", jwtAudience}))), wantID: "rsa1"},
		{name: "ok, no nbf and no iat", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("iat", nil))), wantID: "rsa1"},

		{name: "nok, missing header", header: authHeader("X-Token", "Bearer "+good), wantMsg: "header Authorization is missing or empty"},
		{name: "nok, empty header", header: authHeader("Authorization", ""), wantMsg: "missing or empty"},
		{name: "nok, repeated header", header: authHeader("Authorization", "Bearer "+good, "Authorization", "Bearer "+good), wantMsg: "sent more than once"},
		{name: "nok, wrong scheme", header: authHeader("Authorization", "Basic "+good), wantMsg: "Authorization header is not Bearer"},
		{name: "nok, no scheme", header: authHeader("Authorization", good), wantMsg: "not Bearer"},
		{name: "nok, scheme alone", header: authHeader("Authorization", "Bearer"), wantMsg: "Bearer with no token"},
		{name: "nok, two parts", header: bearer(parts[0] + "." + parts[1]), wantMsg: "not a signed JWT (want three base64url parts joined by '.', it has 2)"},
		{name: "nok, five parts (JWE)", header: bearer(good + ".a.b"), wantMsg: "it has 5"},
		{name: "nok, padded base64", header: bearer(parts[0] + "=." + parts[1] + "." + parts[2]), wantMsg: "outside base64url"},
		{name: "nok, not base64 JSON", header: bearer("e30.bm90LWpzb24." + parts[2]), wantMsg: "malformed", wantErr: jwt.ErrTokenMalformed},

		{name: "nok, expired", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", jwtNow.Add(-time.Second).Unix()))), wantMsg: "token is expired (exp 2026-11-23T07:59:59Z, receiver's clock 2026-11-23T08:00:00Z, leeway 0s)", wantErr: jwt.ErrTokenExpired},
		{name: "nok, expiring this second", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", jwtNow.Unix()))), wantMsg: "expired", wantErr: jwt.ErrTokenExpired},
		{name: "nok, not valid yet", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("nbf", jwtNow.Add(time.Minute).Unix()))), wantMsg: "token is not valid yet (nbf 2026-11-23T08:01:00Z", wantErr: jwt.ErrTokenNotValidYet},
		{name: "nok, missing exp", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", nil))), wantMsg: "token has no exp claim", wantErr: jwt.ErrTokenRequiredClaimMissing},
		{name: "nok, exp of the wrong type", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", "tomorrow"))), wantMsg: "wrong JSON type"},
		{name: "nok, wrong issuer", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("iss", "https://evil.example.com/"))), wantMsg: `token issuer does not match (want "https://issuer.example.com/")`, wantErr: jwt.ErrTokenInvalidIssuer},
		{name: "nok, issuer differs by a trailing slash", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("iss", strings.TrimSuffix(jwtIssuer, "/")))), wantMsg: "issuer does not match"},
		{name: "nok, missing issuer", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("iss", nil))), wantMsg: "token has no iss claim"},
		{name: "nok, wrong audience", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("aud", "https://other.example.com"))), wantMsg: "token audience does not match", wantErr: jwt.ErrTokenInvalidAudience},
		{name: "nok, missing audience", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("aud", nil))), wantMsg: "token has no aud claim"},
		{name: "nok, expired, wrong issuer and audience: all said", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", jwtNow.Add(-time.Hour).Unix(), "iss", "x", "aud", "y"))), wantMsg: "token is expired (exp 2026-11-23T07:00:00Z, receiver's clock 2026-11-23T08:00:00Z, leeway 0s); token issuer does not match"},

		{name: "nok, alg none", header: bearer(craftJWT(`{"alg":"none","typ":"JWT"}`, string(claimsJSON), "")), wantMsg: "unsigned (alg none)"},
		{name: "nok, alg none with a signature", header: bearer(craftJWT(`{"alg":"none"}`, string(claimsJSON), parts[2])), wantMsg: "unsigned (alg none)"},
		{name: "nok, alg NONE", header: bearer(craftJWT(`{"alg":"NONE"}`, string(claimsJSON), "")), wantMsg: "unsigned (alg none)"},
		{name: "nok, no alg", header: bearer(craftJWT(`{"typ":"JWT"}`, string(claimsJSON), parts[2])), wantMsg: "token header names no algorithm (alg)"},
		{name: "nok, alg RS512 not allowed", header: bearer(signJWT(t, jwt.SigningMethodRS512, k.rsa, "rsa1", jwtBaseClaims())), wantMsg: `algorithm "RS512" is not in the allowlist [RS256 ES256 EdDSA]`},
		{name: "nok, alg PS256 not allowed (same RSA key)", header: bearer(signJWT(t, jwt.SigningMethodPS256, k.rsa, "rsa1", jwtBaseClaims())), wantMsg: `algorithm "PS256" is not in the allowlist`},
		{name: "nok, HS256 signed with the RSA public key PEM", header: bearer(signJWT(t, jwt.SigningMethodHS256, pemPublic(t, &k.rsa.PublicKey), "rsa1", jwtBaseClaims())), wantMsg: `algorithm "HS256" is not in the allowlist`},
		{name: "nok, unknown alg", header: bearer(craftJWT(`{"alg":"XX999"}`, string(claimsJSON), parts[2])), wantMsg: `algorithm "XX999" is not in the allowlist`},

		{name: "nok, tampered payload", header: bearer(parts[0] + "." + b64url(string(tamperedJSON)) + "." + parts[2]), wantMsg: `token signature does not verify with the configured key "rsa1"`, wantErr: jwt.ErrTokenSignatureInvalid},
		{name: "nok, tampered signature", header: bearer(parts[0] + "." + parts[1] + "." + string(sig)), wantMsg: "does not verify", wantErr: jwt.ErrTokenSignatureInvalid},
		{name: "nok, non-canonical base64: a second spelling of a valid token", header: bearer(parts[0] + "." + parts[1] + "." + respelled), wantMsg: "malformed", wantErr: jwt.ErrTokenMalformed},
		{name: "nok, signature of another token", header: bearer(parts[0] + "." + parts[1] + "." + strings.Split(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("jti", "x")), ".")[2]), wantMsg: "does not verify"},
		{name: "nok, empty signature", header: bearer(parts[0] + "." + parts[1] + "."), wantMsg: "does not verify"},
		{name: "nok, wrong key with a known kid", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsaOther, "rsa1", jwtBaseClaims())), wantMsg: `does not verify with the configured key "rsa1"`},
		{name: "nok, wrong key without kid", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsaOther, "", jwtBaseClaims())), wantMsg: "does not verify"},
		{name: "nok, ES256 token claiming the RSA key's kid", header: bearer(signJWT(t, jwt.SigningMethodES256, k.ec, "rsa1", jwtBaseClaims())), wantMsg: `no configured key with kid "rsa1" fits algorithm ES256`},
		{name: "nok, unknown kid", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa2", jwtBaseClaims())), wantMsg: `no configured key with kid "rsa2" fits algorithm RS256`},
		{name: "nok, kid is not a string", header: bearer(craftJWT(`{"alg":"RS256","kid":7}`, string(claimsJSON), parts[2])), wantMsg: "kid is not a string"},
		{name: "nok, critical header extension", header: bearer(func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwtBaseClaims())
			tok.Header["kid"], tok.Header["crit"], tok.Header["exp-ext"] = "rsa1", []string{"exp-ext"}, 1
			s, _ := tok.SignedString(k.rsa)
			return s
		}()), wantMsg: "critical extensions"},
	})
}

// Leeway widens exp and nbf by the configured skew, and no further.
func TestJWTLeeway(t *testing.T) {
	k := jwtKeys()
	v := pemVerifier(t, func(c *JWTConfig) { c.Leeway = 30 * time.Second })
	runAuthCases(t, v, "datadog", nil, []authCase{
		{name: "ok, expired 10 s ago, leeway 30 s", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", jwtNow.Add(-10*time.Second).Unix()))), wantID: "rsa1"},
		{name: "ok, valid in 10 s, leeway 30 s", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("nbf", jwtNow.Add(10*time.Second).Unix()))), wantID: "rsa1"},
		{name: "nok, expired 31 s ago, leeway 30 s", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", jwtNow.Add(-31*time.Second).Unix()))), wantMsg: "leeway 30s", wantErr: jwt.ErrTokenExpired},
		{name: "nok, valid in 31 s, leeway 30 s", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("nbf", jwtNow.Add(31*time.Second).Unix()))), wantMsg: "not valid yet", wantErr: jwt.ErrTokenNotValidYet},
	})

	// The injected clock, not the wall clock, decides: the same token is
	// valid at jwtNow and expired an hour later.
	tok := signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa1", jwtBaseClaims())
	later := pemVerifier(t, nil, WithClock(func() time.Time { return jwtNow.Add(time.Hour) }))
	if _, err := later.Verify(bearer(tok), nil); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("an hour later: err = %v, want expired", err)
	}
}

func TestJWTHMAC(t *testing.T) {
	cfg := JWTConfig{
		Algorithms:  []string{"HS256"},
		Issuer:      jwtIssuer,
		Audience:    []string{"other-audience", jwtAudience},
		HMACSecrets: Secrets(jwtHMAC1, jwtHMAC2),
	}
	v, err := JWT("oncall", cfg, jwtClock(), WithMaxHeaderLen(400))
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{jwtHMAC1, jwtHMAC2}
	runAuthCases(t, v, "oncall", secrets, []authCase{
		{name: "ok, first secret", header: bearer(signJWT(t, jwt.SigningMethodHS256, []byte(jwtHMAC1), "", jwtBaseClaims())), wantID: "s1"},
		{name: "ok, rotation: second secret", header: bearer(signJWT(t, jwt.SigningMethodHS256, []byte(jwtHMAC2), "", jwtBaseClaims())), wantID: "s2"},
		{name: "ok, a kid does not restrict HMAC secrets", header: bearer(signJWT(t, jwt.SigningMethodHS256, []byte(jwtHMAC2), "whatever", jwtBaseClaims())), wantID: "s2"},
		{name: "ok, second configured audience", header: bearer(signJWT(t, jwt.SigningMethodHS256, []byte(jwtHMAC1), "", claimsWith("aud", "other-audience"))), wantID: "s1"},
		{name: "nok, wrong secret", header: bearer(signJWT(t, jwt.SigningMethodHS256, []byte("another-secret-of-thirty-two-b!!"), "", jwtBaseClaims())), wantMsg: "does not verify with any configured HS256 key (2 tried)", wantErr: jwt.ErrTokenSignatureInvalid},
		{name: "nok, secret one byte short", header: bearer(signJWT(t, jwt.SigningMethodHS256, []byte(jwtHMAC1[:31]), "", jwtBaseClaims())), wantMsg: "does not verify"},
		{name: "nok, HS384 not allowed", header: bearer(signJWT(t, jwt.SigningMethodHS384, []byte(jwtHMAC1+jwtHMAC2), "", jwtBaseClaims())), wantMsg: `algorithm "HS384" is not in the allowlist [HS256]`},
		{name: "nok, overlong header", header: bearer(signJWT(t, jwt.SigningMethodHS256, []byte(jwtHMAC1), "", claimsWith("pad", strings.Repeat("x", 300)))), wantMsg: "longer than 400 bytes"},
	})
}

// A token that names HS256 and is "signed" with the RSA public key's PEM
// bytes (which are public) must fail. The allowlist stops it first; the key
// family check stops it even where the allowlist is wider; construction
// refuses an allowlist that mixes HMAC and public-key algorithms.
func TestJWTAlgorithmConfusion(t *testing.T) {
	k := jwtKeys()
	pubPEM := pemPublic(t, &k.rsa.PublicKey)
	forged := signJWT(t, jwt.SigningMethodHS256, pubPEM, "rsa1", jwtBaseClaims())

	// The forgery is a real attack: a verifier handing the PEM bytes to an
	// HS256 check accepts it.
	if _, err := jwt.Parse(forged, func(*jwt.Token) (any, error) { return pubPEM, nil },
		jwt.WithValidMethods([]string{"HS256", "RS256"}), jwt.WithTimeFunc(func() time.Time { return jwtNow })); err != nil {
		t.Fatalf("the forged token does not even pass a naive verifier: %v", err)
	}

	v := pemVerifier(t, nil)
	if _, err := v.Verify(bearer(forged), nil); !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), `"HS256" is not in the allowlist`) {
		t.Errorf("allowlist RS256: err = %v", err)
	}

	// Widen the allowlist behind construction's back: the key-family check
	// alone must now refuse it.
	v.allowed = append(v.allowed, "HS256")
	v.parser = v.newParser()
	if _, err := v.Verify(bearer(forged), nil); !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), `no configured key with kid "rsa1" fits algorithm HS256`) {
		t.Errorf("allowlist widened to HS256: err = %v", err)
	}
	forgedNoKid := signJWT(t, jwt.SigningMethodHS256, pubPEM, "", jwtBaseClaims())
	if _, err := v.Verify(bearer(forgedNoKid), nil); !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "no configured key fits algorithm HS256") {
		t.Errorf("allowlist widened to HS256, no kid: err = %v", err)
	}

	// The same through a JWKS that (wrongly) publishes the PEM as an oct key
	// beside the RSA key.
	jwks := jwksJSON(t,
		jwkEntry{kid: "rsa1", key: &k.rsa.PublicKey},
		jwkEntry{kid: "hs", key: pubPEM},
	)
	vj, err := JWT("datadog", JWTConfig{Algorithms: []string{"RS256"}, Issuer: jwtIssuer, Audience: []string{jwtAudience}, JWKSJSON: jwks}, jwtClock())
	if err != nil {
		t.Fatal(err)
	}
	vj.allowed = append(vj.allowed, "HS256")
	vj.parser = vj.newParser()
	for _, kid := range []string{"hs", "rsa1"} {
		tok := signJWT(t, jwt.SigningMethodHS256, pubPEM, kid, jwtBaseClaims())
		if _, err := vj.Verify(bearer(tok), nil); !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "does not fit algorithm HS256") {
			t.Errorf("JWKS, kid %s: err = %v", kid, err)
		}
	}

	// And construction refuses the mixed allowlist outright.
	_, err = JWT("datadog", JWTConfig{
		Algorithms: []string{"HS256", "RS256"}, Issuer: jwtIssuer, Audience: []string{jwtAudience},
		PublicKeys: []JWTKey{{PEM: pubPEM}},
	})
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "algorithm confusion") {
		t.Errorf("mixed allowlist: err = %v", err)
	}
}

func TestJWTFailsClosed(t *testing.T) {
	k := jwtKeys()
	rsaPEM := pemPublic(t, &k.rsa.PublicKey)
	privDER, _ := x509.MarshalPKCS8PrivateKey(k.rsa)
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})
	ok := func() JWTConfig {
		return JWTConfig{Algorithms: []string{"RS256"}, Issuer: jwtIssuer, Audience: []string{jwtAudience}, PublicKeys: []JWTKey{{PEM: rsaPEM}}}
	}
	if _, err := JWT("datadog", ok()); err != nil {
		t.Fatalf("the base configuration fails: %v", err)
	}
	with := func(f func(*JWTConfig)) JWTConfig { c := ok(); f(&c); return c }
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		cfg  JWTConfig
		want error
		msg  string
	}{
		{"no algorithm", with(func(c *JWTConfig) { c.Algorithms = nil }), ErrInvalidConfig, "no algorithm allowed"},
		{"alg none", with(func(c *JWTConfig) { c.Algorithms = []string{"RS256", "none"} }), ErrInvalidConfig, `"none"`},
		{"alg None", with(func(c *JWTConfig) { c.Algorithms = []string{"None"} }), ErrInvalidConfig, `"none"`},
		{"unknown algorithm", with(func(c *JWTConfig) { c.Algorithms = []string{"rs256"} }), ErrInvalidConfig, `unknown algorithm "rs256"`},
		{"empty algorithm", with(func(c *JWTConfig) { c.Algorithms = []string{""} }), ErrInvalidConfig, `unknown algorithm ""`},
		{"algorithm twice", with(func(c *JWTConfig) { c.Algorithms = []string{"RS256", "RS256"} }), ErrInvalidConfig, "twice"},
		{"no issuer", with(func(c *JWTConfig) { c.Issuer = "" }), ErrInvalidConfig, "Issuer is empty"},
		{"no audience", with(func(c *JWTConfig) { c.Audience = nil }), ErrInvalidConfig, "Audience is empty"},
		{"empty audience value", with(func(c *JWTConfig) { c.Audience = []string{jwtAudience, ""} }), ErrInvalidConfig, "empty value"},
		{"negative leeway", with(func(c *JWTConfig) { c.Leeway = -time.Second }), ErrInvalidConfig, "negative"},
		{"negative JWKS interval", with(func(c *JWTConfig) { c.JWKSUnknownKIDInterval = -1 }), ErrInvalidConfig, "negative"},
		{"no key source", with(func(c *JWTConfig) { c.PublicKeys = nil }), ErrNoSecret, "no key"},
		{"two key sources", with(func(c *JWTConfig) { c.JWKSFile = "jwks.json" }), ErrInvalidConfig, "only one"},
		{"HMAC algorithm with public keys", with(func(c *JWTConfig) { c.Algorithms = []string{"HS256"} }), ErrInvalidConfig, "algorithm confusion"},
		{"public-key algorithm with HMAC secrets", with(func(c *JWTConfig) { c.PublicKeys, c.HMACSecrets = nil, Secrets(jwtHMAC1) }), ErrInvalidConfig, "never mixes"},
		{"mixed allowlist with HMAC secrets", with(func(c *JWTConfig) {
			c.Algorithms, c.PublicKeys, c.HMACSecrets = []string{"HS256", "RS256"}, nil, Secrets(jwtHMAC1)
		}), ErrInvalidConfig, "never mixes"},
		{"HMAC secret shorter than 32 bytes", with(func(c *JWTConfig) {
			c.Algorithms, c.PublicKeys, c.HMACSecrets = []string{"HS256"}, nil, Secrets("short-secret")
		}), ErrInvalidConfig, `secret "s1" (HMAC, 12 bytes) fits none`},
		{"HS512 with a 32-byte secret", with(func(c *JWTConfig) {
			c.Algorithms, c.PublicKeys, c.HMACSecrets = []string{"HS512"}, nil, Secrets(jwtHMAC1)
		}), ErrInvalidConfig, "HS512 64"},
		{"empty HMAC secret", with(func(c *JWTConfig) {
			c.Algorithms, c.PublicKeys, c.HMACSecrets = []string{"HS256"}, nil, Secrets("")
		}), ErrNoSecret, ""},
		{"private key PEM", with(func(c *JWTConfig) { c.PublicKeys = []JWTKey{{PEM: privPEM}} }), ErrInvalidConfig, "PEM is a PRIVATE KEY; configure the public key only"},
		{"not PEM", with(func(c *JWTConfig) { c.PublicKeys = []JWTKey{{PEM: []byte("ssh-rsa AAAA")}} }), ErrInvalidConfig, "no PEM block"},
		{"two PEM blocks in one key", with(func(c *JWTConfig) { c.PublicKeys = []JWTKey{{PEM: append(append([]byte{}, rsaPEM...), rsaPEM...)}} }), ErrInvalidConfig, "more than one block"},
		{"corrupt PEM body", with(func(c *JWTConfig) {
			c.PublicKeys = []JWTKey{{PEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("junk")})}}
		}), ErrInvalidConfig, "does not parse"},
		{"RSA key under 2048 bits", with(func(c *JWTConfig) { c.PublicKeys = []JWTKey{{PEM: pemPublic(t, &k.rsaSmall.PublicKey)}} }), ErrInvalidConfig, "RSA keys need at least 2048 bits"},
		{"key fits no allowed algorithm", with(func(c *JWTConfig) {
			c.PublicKeys = []JWTKey{{PEM: rsaPEM}, {KID: "ed", PEM: pemPublic(t, k.ed.Public())}}
		}), ErrInvalidConfig, `public key "ed" (Ed25519) fits none of the allowed algorithms [RS256]`},
		{"allowed algorithm without a key", with(func(c *JWTConfig) { c.Algorithms = []string{"RS256", "ES256"} }), ErrInvalidConfig, "algorithm ES256 is allowed but no configured public key fits it"},
		{"ES256 with a P-384 key", with(func(c *JWTConfig) {
			c.Algorithms, c.PublicKeys = []string{"ES256"}, []JWTKey{{PEM: pemPublic(t, &k.ec384.PublicKey)}}
		}), ErrInvalidConfig, "ECDSA P-384"},
		{"kid twice", with(func(c *JWTConfig) { c.PublicKeys = []JWTKey{{KID: "a", PEM: rsaPEM}, {KID: "a", PEM: rsaPEM}} }), ErrInvalidConfig, "used twice"},
		{"JWKS not JSON", with(func(c *JWTConfig) { c.PublicKeys, c.JWKSJSON = nil, []byte("<html>") }), ErrInvalidConfig, "does not parse"},
		{"JWKS without a usable key", with(func(c *JWTConfig) {
			c.PublicKeys, c.JWKSJSON = nil, jwksJSON(t, jwkEntry{kid: "ec", key: &k.ec.PublicKey})
		}), ErrInvalidConfig, "none usable with [RS256]"},
		{"JWKS with HMAC algorithm", with(func(c *JWTConfig) {
			c.Algorithms, c.PublicKeys, c.JWKSJSON = []string{"HS256"}, nil, jwksJSON(t, jwkEntry{kid: "hs", key: []byte(jwtHMAC1)})
		}), ErrInvalidConfig, "algorithm confusion"},
		{"JWKS file missing", with(func(c *JWTConfig) { c.PublicKeys, c.JWKSFile = nil, filepath.Join(dir, "absent.json") }), ErrInvalidConfig, "JWKSFile"},
		{"JWKS URL over plain http", with(func(c *JWTConfig) { c.PublicKeys, c.JWKSURL = nil, "http://issuer.example.com/.well-known/jwks.json" }), ErrInvalidConfig, "must be https"},
		{"JWKS URL not absolute", with(func(c *JWTConfig) { c.PublicKeys, c.JWKSURL = nil, "/jwks.json" }), ErrInvalidConfig, "not an absolute URL"},
		{"JWKS URL of another scheme", with(func(c *JWTConfig) { c.PublicKeys, c.JWKSURL = nil, "file://localhost/etc/jwks.json" }), ErrInvalidConfig, "must be https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := JWT("datadog", tc.cfg)
			if !errors.Is(err, tc.want) || v != nil {
				t.Fatalf("JWT() = %v, %v; want error %v", v, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), jwtHMAC1) || strings.Contains(err.Error(), "BEGIN") {
				t.Errorf("err = %q quotes key material", err)
			}
		})
	}
	if _, err := JWT("", ok()); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("empty provider: err = %v", err)
	}
	if _, err := JWT("datadog", ok(), WithClock(nil)); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil clock: err = %v", err)
	}
}

func TestJWTVerifyClaims(t *testing.T) {
	k := jwtKeys()
	v := pemVerifier(t, nil, WithProvider("datadog-eu"))
	tok := signJWT(t, jwt.SigningMethodES256, k.ec, "ec1", claimsWith("nbf", jwtNow.Add(-time.Minute).Unix()))
	d, c, err := v.VerifyClaims(bearer(tok), []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Provider != "datadog-eu" || d.SecretID != "ec1" || d.Key != KeyFromBody("datadog-eu", []byte("{}")) {
		t.Errorf("delivery = %+v", d)
	}
	want := JWTClaims{
		Issuer: jwtIssuer, Subject: "datadog-webhooks@clients", Audience: []string{jwtAudience}, ID: "tok-1",
		ExpiresAt: jwtNow.Add(5 * time.Minute), NotBefore: jwtNow.Add(-time.Minute), IssuedAt: jwtNow.Add(-time.Minute),
	}
	got := c
	got.All = nil
	if fmt.Sprint(got) != fmt.Sprint(want) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("claims = %+v\nwant     %+v", got, want)
	}
	if c.All["azp"] != "dd-client-1" {
		t.Errorf("All[azp] = %v", c.All["azp"])
	}
	if _, c, err := v.VerifyClaims(bearer(tok+"x"), nil); err == nil || c.Subject != "" || c.All != nil {
		t.Errorf("failed verification returned claims %+v, %v", c, err)
	}
}

// jwkEntry is one key for jwksJSON: an RSA, ECDSA or Ed25519 public key or
// a []byte secret (an "oct" key), with optional alg and use.
type jwkEntry struct {
	kid string
	key any
	alg jwkset.ALG
	use jwkset.USE
}

// jwksJSON marshals a JSON Web Key Set with jwkset, as an issuer serves it.
func jwksJSON(t testing.TB, keys ...jwkEntry) []byte {
	t.Helper()
	st := jwkset.NewMemoryStorage()
	for _, e := range keys {
		j, err := jwkset.NewJWKFromKey(e.key, jwkset.JWKOptions{
			Marshal:  jwkset.JWKMarshalOptions{Private: true}, // needed for oct keys; the others are public
			Metadata: jwkset.JWKMetadataOptions{KID: e.kid, ALG: e.alg, USE: e.use},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.KeyWrite(context.Background(), j); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := st.JSONPrivate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func jwksConfig() JWTConfig {
	return JWTConfig{Algorithms: []string{"RS256", "EdDSA"}, Issuer: jwtIssuer, Audience: []string{jwtAudience}}
}

// A JWKS file written to disk, as an operator would: kid selection, the
// JWK's alg and use honoured, no refresh for unknown kids.
func TestJWTJWKSFile(t *testing.T) {
	k := jwtKeys()
	path := filepath.Join(t.TempDir(), "jwks.json")
	raw := jwksJSON(t,
		jwkEntry{kid: "k1", key: &k.rsa.PublicKey, alg: jwkset.AlgRS256, use: jwkset.UseSig},
		jwkEntry{kid: "k2", key: k.ed.Public()},
		jwkEntry{kid: "pinned-rs384", key: &k.rsaOther.PublicKey, alg: jwkset.AlgRS384},
		jwkEntry{kid: "enc-only", key: &k.rsaOther.PublicKey, use: jwkset.UseEnc},
		jwkEntry{kid: "ec", key: &k.ec.PublicKey}, // no ES256 in the allowlist
	)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := jwksConfig()
	cfg.JWKSFile = path
	v, err := JWT("datadog", cfg, jwtClock())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	runAuthCases(t, v, "datadog", nil, []authCase{
		{name: "ok, RS256 kid k1", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "k1", jwtBaseClaims())), wantID: "k1"},
		{name: "ok, EdDSA kid k2", header: bearer(signJWT(t, jwt.SigningMethodEdDSA, k.ed, "k2", jwtBaseClaims())), wantID: "k2"},
		{name: "ok, no kid: every fitting key tried", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "", jwtBaseClaims())), wantID: "k1"},
		{name: "nok, unknown kid (no refresh for a file)", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "k9", jwtBaseClaims())), wantMsg: `no key with kid "k9" in the JWKS`},
		{name: "nok, kid of a key pinned to RS384", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsaOther, "pinned-rs384", jwtBaseClaims())), wantMsg: `key with kid "pinned-rs384" does not fit algorithm RS256`},
		{name: "nok, kid of an encryption key", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsaOther, "enc-only", jwtBaseClaims())), wantMsg: "does not fit"},
		{name: "nok, EdDSA token naming the RSA key", header: bearer(signJWT(t, jwt.SigningMethodEdDSA, k.ed, "k1", jwtBaseClaims())), wantMsg: "does not fit algorithm EdDSA"},
		{name: "nok, no kid, signed by a key only usable for RS384", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsaOther, "", jwtBaseClaims())), wantMsg: `does not verify with the configured key "k1"`},
		{name: "nok, expired", header: bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "k1", claimsWith("exp", jwtNow.Add(-time.Hour).Unix()))), wantMsg: "expired"},
	})

	// JWKSJSON: the same bytes in memory.
	cfg = jwksConfig()
	cfg.JWKSJSON = raw
	vj, err := JWT("datadog", cfg, jwtClock())
	if err != nil {
		t.Fatal(err)
	}
	if d, err := vj.Verify(bearer(signJWT(t, jwt.SigningMethodEdDSA, k.ed, "k2", jwtBaseClaims())), nil); err != nil || d.SecretID != "k2" {
		t.Errorf("JWKSJSON: %+v, %v", d, err)
	}
}

// jwksServer serves a key set that a test can rotate, counting fetches.
type jwksServer struct {
	*httptest.Server
	body   atomic.Pointer[[]byte]
	status atomic.Int32
	hits   atomic.Int64
}

func newJWKSServer(t *testing.T, raw []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.set(raw)
	s.status.Store(http.StatusOK)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if st := int(s.status.Load()); st != http.StatusOK {
			w.WriteHeader(st)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(*s.body.Load())
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(raw []byte) { s.body.Store(&raw) }

func jwksURLVerifier(t *testing.T, url string, mod func(*JWTConfig)) *JWTAuth {
	t.Helper()
	cfg := jwksConfig()
	cfg.JWKSURL = url
	cfg.JWKSRefreshInterval = time.Hour
	cfg.JWKSUnknownKIDInterval = time.Hour
	if mod != nil {
		mod(&cfg)
	}
	v, err := JWT("datadog", cfg, jwtClock())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// A JWKS from a URL: a rotated key is fetched when its kid first appears,
// and tokens with unknown kids cannot make the verifier hammer the issuer.
func TestJWTJWKSURLRotationAndRateLimit(t *testing.T) {
	k := jwtKeys()
	srv := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "k1", key: &k.rsa.PublicKey}))
	v := jwksURLVerifier(t, srv.URL+"/.well-known/jwks.json", nil)
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("construction fetched %d times, want 1", n)
	}
	verify := func(key any, kid string) (Delivery, error) {
		return v.Verify(bearer(signJWT(t, jwt.SigningMethodRS256, key, kid, jwtBaseClaims())), nil)
	}
	if d, err := verify(k.rsa, "k1"); err != nil || d.SecretID != "k1" {
		t.Fatalf("k1: %+v, %v", d, err)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("a known kid fetched: %d fetches", n)
	}

	// The issuer rotates: k1 is withdrawn, k2 published.
	srv.set(jwksJSON(t, jwkEntry{kid: "k2", key: &k.rsaOther.PublicKey}))
	if d, err := verify(k.rsaOther, "k2"); err != nil || d.SecretID != "k2" {
		t.Fatalf("k2 after rotation: %+v, %v", d, err)
	}
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("after the unknown kid k2: %d fetches, want 2", n)
	}
	// k1 went with the refresh (revocation), and the refresh budget is spent.
	if _, err := verify(k.rsa, "k1"); !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "at most once per 1h0m0s") {
		t.Fatalf("withdrawn k1: err = %v", err)
	}

	// A flood of invented kids, concurrently: no fetch, and no waiting.
	start := time.Now()
	var wg sync.WaitGroup
	var passed atomic.Int64
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := signJWT(t, jwt.SigningMethodRS256, k.rsaOther, fmt.Sprintf("invented-%d", i), jwtBaseClaims())
			if _, err := v.Verify(bearer(tok), nil); err == nil {
				passed.Add(1)
			}
		}()
	}
	wg.Wait()
	if passed.Load() != 0 {
		t.Fatalf("%d tokens with invented kids passed", passed.Load())
	}
	if n := srv.hits.Load(); n != 2 {
		t.Errorf("50 unknown kids caused %d fetches in all, want still 2", n)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("unknown kids waited for the rate limiter: %s", el)
	}
	// The known key still works, from the cache.
	if _, err := verify(k.rsaOther, "k2"); err != nil {
		t.Errorf("k2 after the flood: %v", err)
	}
}

// With a short limit interval, an unknown kid that arrives just after a
// refresh waits for the next allowed fetch (within the fetch timeout) rather
// than failing.
func TestJWTJWKSURLUnknownKIDWaitsForNextSlot(t *testing.T) {
	k := jwtKeys()
	srv := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "k1", key: &k.rsa.PublicKey}))
	v := jwksURLVerifier(t, srv.URL, func(c *JWTConfig) { c.JWKSUnknownKIDInterval = 100 * time.Millisecond })
	srv.set(jwksJSON(t, jwkEntry{kid: "k2", key: &k.rsaOther.PublicKey}))
	if _, err := v.Verify(bearer(signJWT(t, jwt.SigningMethodRS256, k.rsaOther, "k2", jwtBaseClaims())), nil); err != nil {
		t.Fatalf("k2: %v", err)
	}
	srv.set(jwksJSON(t, jwkEntry{kid: "k3", key: k.ed.Public()}))
	if d, err := v.Verify(bearer(signJWT(t, jwt.SigningMethodEdDSA, k.ed, "k3", jwtBaseClaims())), nil); err != nil || d.SecretID != "k3" {
		t.Fatalf("k3 right after the k2 refresh: %+v, %v", d, err)
	}
	if n := srv.hits.Load(); n != 3 {
		t.Errorf("%d fetches, want 3", n)
	}
}

// The background refresh picks up new keys without any unknown kid, and
// Close stops it.
func TestJWTJWKSURLBackgroundRefreshAndClose(t *testing.T) {
	k := jwtKeys()
	srv := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "k1", key: &k.rsa.PublicKey}))
	v := jwksURLVerifier(t, srv.URL, func(c *JWTConfig) { c.JWKSRefreshInterval = 20 * time.Millisecond })
	srv.set(jwksJSON(t, jwkEntry{kid: "k2", key: &k.rsaOther.PublicKey}))
	noKid := bearer(signJWT(t, jwt.SigningMethodRS256, k.rsaOther, "", jwtBaseClaims()))
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := v.Verify(noKid, nil) // no kid: never triggers a fetch itself
		if err == nil && d.SecretID == "k2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the background refresh never brought k2: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	v.Close()
	time.Sleep(50 * time.Millisecond) // let a fetch already under way end
	before := srv.hits.Load()
	time.Sleep(200 * time.Millisecond)
	if after := srv.hits.Load(); after != before {
		t.Errorf("%d fetches after Close", after-before)
	}
	// Keys held at Close still verify; an unknown kid no longer fetches.
	if _, err := v.Verify(noKid, nil); err != nil {
		t.Errorf("after Close: %v", err)
	}
	if _, err := v.Verify(bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "k9", jwtBaseClaims())), nil); err == nil || srv.hits.Load() != before {
		t.Errorf("unknown kid after Close: err %v, %d fetches", err, srv.hits.Load()-before)
	}
}

func TestJWTJWKSURLFirstFetch(t *testing.T) {
	k := jwtKeys()
	const secretQuery = "?tenant=S3CRET-QUERY"

	t.Run("nok, unreachable set fails construction", func(t *testing.T) {
		srv := newJWKSServer(t, nil)
		srv.status.Store(http.StatusNotFound)
		cfg := jwksConfig()
		cfg.JWKSURL = srv.URL + "/jwks" + secretQuery
		v, err := JWT("datadog", cfg)
		if !errors.Is(err, ErrInvalidConfig) || v != nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("JWT() = %v, %v", v, err)
		}
		if strings.Contains(err.Error(), "S3CRET") {
			t.Errorf("err = %q shows the URL's query", err)
		}
	})

	t.Run("nok, redirect to clear text", func(t *testing.T) {
		srv := httptest.NewServer(http.RedirectHandler("http://issuer.example.com/jwks.json", http.StatusFound))
		defer srv.Close()
		cfg := jwksConfig()
		cfg.JWKSURL = srv.URL
		if _, err := JWT("datadog", cfg); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "redirect to http://issuer.example.com/jwks.json refused") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("nok, oversized set", func(t *testing.T) {
		srv := newJWKSServer(t, []byte(`{"keys":[],"pad":"`+strings.Repeat("x", maxJWKSSize)+`"}`))
		cfg := jwksConfig()
		cfg.JWKSURL = srv.URL
		if _, err := JWT("datadog", cfg); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "larger than 1 MiB") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("nok, set without a usable key", func(t *testing.T) {
		srv := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "ec", key: &k.ec.PublicKey}))
		cfg := jwksConfig()
		cfg.JWKSURL = srv.URL
		if _, err := JWT("datadog", cfg); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "none usable") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("ok, start without keys, then heal", func(t *testing.T) {
		srv := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "k1", key: &k.rsa.PublicKey}))
		srv.status.Store(http.StatusServiceUnavailable)
		var mu sync.Mutex
		var reported []error
		v := jwksURLVerifier(t, srv.URL+"/jwks"+secretQuery, func(c *JWTConfig) {
			c.JWKSStartWithoutKeys = true
			c.JWKSUnknownKIDInterval = 10 * time.Millisecond
			c.JWKSErrorHandler = func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }
		})
		tok := bearer(signJWT(t, jwt.SigningMethodRS256, k.rsa, "k1", jwtBaseClaims()))
		if _, err := v.Verify(tok, nil); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("without keys: err = %v", err)
		}
		srv.status.Store(http.StatusOK)
		if d, err := v.Verify(tok, nil); err != nil || d.SecretID != "k1" {
			t.Fatalf("after healing: %+v, %v", d, err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(reported) == 0 {
			t.Fatal("the failed fetches were not reported")
		}
		for _, err := range reported {
			if strings.Contains(err.Error(), "S3CRET") || !strings.Contains(err.Error(), "503") {
				t.Errorf("reported %q", err)
			}
		}
	})
}

// bearerErrorTexts are parseBearer's messages with digit runs replaced by
// '#' (stripDigits): fixed but for a count.
var bearerErrorTexts = map[string]bool{}

func init() {
	for _, s := range []string{
		`verify: unauthorized: Authorization header is not Bearer (want "Bearer <jwt>")`,
		`verify: unauthorized: Authorization header is Bearer with no token`,
		`verify: unauthorized: bearer token is not a JWT: it holds a character outside base64url and '.'`,
		`verify: unauthorized: bearer token is not a signed JWT (want three base64url parts joined by '.', it has 0)`,
	} {
		bearerErrorTexts[stripDigits(s)] = true
	}
}

func stripDigits(s string) string {
	var b strings.Builder
	last := false
	for _, r := range s {
		if r >= '0' && r <= '9' {
			if !last {
				b.WriteByte('#')
			}
			last = true
			continue
		}
		last = false
		b.WriteRune(r)
	}
	return b.String()
}

func FuzzParseBearer(f *testing.F) {
	tok := signJWT(f, jwt.SigningMethodHS256, []byte(jwtHMAC1), "k", jwtBaseClaims())
	for _, s := range []string{
		"Bearer " + tok, "bearer " + tok, "BEARER    " + tok, "Bearer", "Bearer ", "Bearer\t" + tok, "Bearer" + tok,
		"Basic dTpw", "Bearer a.b", "Bearer a.b.c.d.e", "Bearer ..", "Bearer a.b.", "Bearer a=.b.c", "Bearer a b.c",
		"Bearer " + tok + "\x00", "\xffBearer x.y.z", "Bearer " + strings.Repeat(".", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got, err := parseBearer(value)
		if err != nil {
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("err = %v does not wrap ErrUnauthorized", err)
			}
			if !bearerErrorTexts[stripDigits(err.Error())] {
				t.Fatalf("unexpected error text %q", err)
			}
			return
		}
		if !strings.HasSuffix(value, got) || !strings.EqualFold(value[:6], "Bearer") || value[6] != ' ' {
			t.Fatalf("accepted %q from %q", got, value)
		}
		if strings.Count(got, ".") != 2 || strings.Trim(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != "" {
			t.Fatalf("accepted %q, not a compact JWS", got)
		}
	})
}

// FuzzJWTVerify feeds arbitrary Authorization values to an HS256 verifier.
// Only the one genuine token may pass: strict base64 and the signature
// leave no second spelling of it, and nothing else may panic or pass.
func FuzzJWTVerify(f *testing.F) {
	good := signJWT(f, jwt.SigningMethodHS256, []byte(jwtHMAC1), "", jwtBaseClaims())
	parts := strings.Split(good, ".")
	claimsJSON, _ := json.Marshal(jwtBaseClaims())
	for _, s := range []string{
		"Bearer " + good, "bearer " + good,
		"Bearer " + craftJWT(`{"alg":"none"}`, string(claimsJSON), ""),
		"Bearer " + craftJWT(`{"alg":"HS256","crit":["x"]}`, string(claimsJSON), parts[2]),
		"Bearer " + parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1] + "B",
		"Bearer " + craftJWT(`{"alg":"HS256"}`, `{"exp":1e400}`, parts[2]),
		"Bearer " + craftJWT(`{"alg":"HS256","kid":{}}`, `[]`, ""),
		"Bearer " + craftJWT(`{"alg":"HS256"}`, `{"aud":[1,2],"iss":{}}`, parts[2]),
		"Bearer e30.e30.", "Bearer ..", "Basic dTpw",
	} {
		f.Add(s)
	}
	v, err := JWT("datadog", JWTConfig{Algorithms: []string{"HS256"}, Issuer: jwtIssuer, Audience: []string{jwtAudience}, HMACSecrets: Secrets(jwtHMAC1)}, jwtClock())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string) {
		h := http.Header{"Authorization": {value}}
		d, err := v.Verify(h, nil)
		if err != nil {
			if !errors.Is(err, ErrUnauthorized) || d.Verified || strings.Contains(err.Error(), jwtHMAC1) {
				t.Fatalf("Verify(%q) = %+v, %v", value, d, err)
			}
			return
		}
		if tok, _ := parseBearer(trimOWS(value)); tok != good {
			t.Fatalf("Verify accepted %q, which is not the genuine token", value)
		}
	})
}

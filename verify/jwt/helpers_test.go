package jwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/verify"
)

var (
	jwtNow      = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	jwtIssuer   = "https://issuer.example.com/"
	jwtAudience = "https://hooks.example.com/datadog"
	jwtSubject  = "datadog-webhooks@clients"
	jwtHMAC1    = "hookseal-jwt-hmac-secret-32bytes"
	jwtHMAC2    = "hookseal-jwt-hmac-rotated-secret"
)

// fixedClock is a Config.Now that always reads t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

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

func jwtBaseClaims() gojwt.MapClaims {
	return gojwt.MapClaims{
		"iss": jwtIssuer,
		"aud": jwtAudience,
		"sub": jwtSubject,
		"azp": "dd-client-1",
		"iat": jwtNow.Add(-time.Minute).Unix(),
		"exp": jwtNow.Add(5 * time.Minute).Unix(),
		"jti": "tok-1",
	}
}

// claimsWith returns the base claims changed by kv (a nil value deletes).
func claimsWith(kv ...any) gojwt.MapClaims {
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
func signJWT(t testing.TB, m gojwt.SigningMethod, key any, kid string, claims gojwt.MapClaims) string {
	t.Helper()
	tok := gojwt.NewWithClaims(m, claims)
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

func authHeader(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = append(h[kv[i]], kv[i+1])
	}
	return h
}

func bearer(tok string) http.Header { return authHeader("Authorization", "Bearer "+tok) }

// wantScope is the scope the package documents for a token's iss and sub,
// computed here independently of scopeOf.
func wantScope(iss, sub string) string {
	in := []byte("hookseal/jwt-scope/v1\x00")
	in = append(in, byte(len(iss))) // a one-byte uvarint: test issuers are short
	in = append(in, iss...)
	in = append(in, sub...)
	sum := sha256.Sum256(in)
	return hex.EncodeToString(sum[:8])
}

// pemConfig accepts RS256 (kid rsa1), ES256 (kid ec1) and EdDSA (no kid:
// reported as key3), by the fixed clock jwtNow.
func pemConfig(t testing.TB) Config {
	t.Helper()
	k := jwtKeys()
	return Config{
		Algorithms: []string{"RS256", "ES256", "EdDSA"},
		Issuer:     jwtIssuer,
		Audience:   []string{jwtAudience},
		Now:        fixedClock(jwtNow),
		Keys: PublicKeys(
			Key{KID: "rsa1", PEM: pemPublic(t, &k.rsa.PublicKey)},
			Key{KID: "ec1", PEM: pemPublic(t, &k.ec.PublicKey)},
			Key{PEM: pemPublic(t, k.ed.Public())},
		),
	}
}

// mustNew builds a verifier that the test closes.
func mustNew(t testing.TB, provider string, cfg Config) *Verifier {
	t.Helper()
	v, err := New(provider, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// authCase is one request-time case; a name starting with "ok" expects
// success.
type authCase struct {
	name    string
	header  http.Header
	wantID  string
	wantMsg string
	wantErr error // an extra sentinel errors.Is must find (optional)
}

// runAuthCases verifies each case's header over a fixed body. Accepted
// tokens carry the base iss and sub, so the whole Delivery is known.
func runAuthCases(t *testing.T, v verify.Verifier, provider string, secrets []string, cases []authCase) {
	t.Helper()
	body := []byte(`{"alert_group_id":"I8ZW9PX5M1D3T","event":{"type":"resolve"}}`)
	scope := wantScope(jwtIssuer, jwtSubject)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := v.Verify(tc.header, body)
			if strings.HasPrefix(tc.name, "ok") {
				want := verify.Delivery{Provider: provider, SecretID: tc.wantID, Scope: scope, Key: verify.KeyFromBody(provider, scope, body)}
				if err != nil || !reflect.DeepEqual(d, want) {
					t.Fatalf("Verify = %+v, %v\nwant     %+v, nil", d, err, want)
				}
				return
			}
			if !reflect.DeepEqual(d, verify.Delivery{Provider: provider}) {
				t.Errorf("failed delivery leaks state: %+v", d)
			}
			if !errors.Is(err, verify.ErrUnauthorized) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want it to wrap %v too", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("err = %q, want it to say %q", err, tc.wantMsg)
			}
			noSecretInError(t, err, secrets, tc.header)
		})
	}
}

// noSecretInError fails when err quotes a configured secret, a presented
// header value or the credential after its scheme.
func noSecretInError(t *testing.T, err error, secrets []string, h http.Header) {
	t.Helper()
	msg := err.Error()
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Fatalf("error %q contains a configured secret", msg)
		}
	}
	for _, vals := range h {
		for _, v := range vals {
			if len(v) >= 8 && strings.Contains(msg, v) {
				t.Fatalf("error %q echoes a presented header value", msg)
			}
			if _, rest, ok := strings.Cut(v, " "); ok && len(rest) >= 8 && strings.Contains(msg, rest) {
				t.Fatalf("error %q echoes a presented credential", msg)
			}
		}
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

// jwksConfig allows RS256 and EdDSA by the fixed clock, with keys.
func jwksConfig(keys KeySource) Config {
	return Config{Algorithms: []string{"RS256", "EdDSA"}, Issuer: jwtIssuer, Audience: []string{jwtAudience}, Now: fixedClock(jwtNow), Keys: keys}
}

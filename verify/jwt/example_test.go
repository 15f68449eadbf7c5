package jwt_test

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

// The issuer's key pair, from a fixed seed so the output is stable.
var issuerKey = ed25519.NewKeyFromSeed([]byte("hookseal-example-issuer-seed-32b"))

// signToken mints what the issuer hands Datadog, and Datadog sends as a
// bearer token.
func signToken(sub string, exp time.Time) http.Header {
	tok := gojwt.NewWithClaims(gojwt.SigningMethodEdDSA, gojwt.MapClaims{
		"iss": "https://login.example.com/",
		"aud": "https://hooks.example.com/datadog",
		"sub": sub,
		"exp": exp.Unix(),
	})
	tok.Header["kid"] = "2026-11"
	s, _ := tok.SignedString(issuerKey)
	return http.Header{"Authorization": {"Bearer " + s}}
}

// A Datadog route accepting OAuth 2.0 access tokens signed by a public key
// the receiver holds as PEM.
func ExampleNew() {
	der, _ := x509.MarshalPKIXPublicKey(issuerKey.Public())
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	v, err := jwt.New("datadog", jwt.Config{
		Algorithms: []string{"EdDSA"},
		Issuer:     "https://login.example.com/",
		Audience:   []string{"https://hooks.example.com/datadog"},
		Leeway:     30 * time.Second,
		Keys:       jwt.PublicKeys(jwt.Key{KID: "2026-11", PEM: pubPEM}),
		Now:        func() time.Time { return now }, // nil: time.Now
	})
	if err != nil {
		panic(err)
	}
	defer v.Close()

	body := []byte(`{"id":"1"}`)
	d, claims, err := v.VerifyClaims(signToken("datadog-webhooks", now.Add(time.Hour)), body)
	fmt.Println(err, d.SecretID, claims.Subject, len(d.Scope))

	_, err = v.Verify(signToken("datadog-webhooks", now.Add(-time.Minute)), body)
	fmt.Println(errors.Is(err, verify.ErrUnauthorized), errors.Is(err, jwt.ErrTokenExpired))
	fmt.Println(err)
	// Output:
	// <nil> 2026-11 datadog-webhooks 16
	// true true
	// jwt: unauthorized: token is expired (exp 2026-11-23T07:59:00Z, receiver's clock 2026-11-23T08:00:00Z, leeway 30s)
}

// Keys fetched from the issuer's jwks_uri, and kept fresh. The URL must be
// https; http is allowed to loopback addresses only, as this example's
// stand-in issuer uses.
func ExampleJWKSURL() {
	jwks := fmt.Sprintf(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"2026-11","alg":"EdDSA","use":"sig","x":%q}]}`,
		base64.RawURLEncoding.EncodeToString(issuerKey.Public().(ed25519.PublicKey)))
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, jwks)
	}))
	defer issuer.Close()

	v, err := jwt.New("datadog", jwt.Config{
		Algorithms: []string{"EdDSA"},
		Issuer:     "https://login.example.com/",
		Audience:   []string{"https://hooks.example.com/datadog"},
		Keys: jwt.JWKSURL(issuer.URL+"/.well-known/jwks.json",
			jwt.WithRefreshInterval(30*time.Minute),
			jwt.WithFetchTimeout(2*time.Second)),
	})
	if err != nil {
		panic(err)
	}
	defer v.Close() // stops the background refresh

	// Two OAuth clients of one issuer: each its own Scope, so their
	// deliveries never share dedupe state.
	a, errA := v.Verify(signToken("account-a", time.Now().Add(time.Hour)), []byte(`{"id":"1"}`))
	b, errB := v.Verify(signToken("account-b", time.Now().Add(time.Hour)), []byte(`{"id":"1"}`))
	fmt.Println(errA, errB, a.SecretID, a.Scope != b.Scope, a.Key != b.Key)
	// Output:
	// <nil> <nil> 2026-11 true true
}

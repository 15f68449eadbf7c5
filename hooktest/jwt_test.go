package hooktest_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

func TestJWTIssuer(t *testing.T) {
	for _, alg := range []string{"HS256", "RS256", "ES256", "ES384", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			iss, err := hooktest.NewJWTIssuer(alg, "https://issuer.example.com/", "https://hooks.example.com/datadog",
				hooktest.WithJWTClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			v, err := jwt.New("datadog", iss.Config()) // on the issuer's clock
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			cases := []struct {
				name string
				opts []hooktest.ClaimOption
				want error // nil: accepted
			}{
				{"ok", nil, nil},
				{"ok, long-lived", []hooktest.ClaimOption{hooktest.ExpiresIn(time.Hour)}, nil},
				{"nok, expired", []hooktest.ClaimOption{hooktest.ExpiresIn(-time.Minute)}, jwt.ErrTokenExpired},
				{"nok, other audience", []hooktest.ClaimOption{hooktest.WithClaim("aud", "https://elsewhere.example.com")}, jwt.ErrTokenInvalidAudience},
				{"nok, other issuer", []hooktest.ClaimOption{hooktest.WithClaim("iss", "https://evil.example.com/")}, jwt.ErrTokenInvalidIssuer},
				{"nok, no exp", []hooktest.ClaimOption{hooktest.WithClaim("exp", nil)}, jwt.ErrTokenRequiredClaimMissing},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					h, err := iss.Header(c.opts...)
					if err != nil {
						t.Fatal(err)
					}
					d, err := v.Verify(h, otherBody)
					if c.want == nil {
						if err != nil || d.SecretID != "hooktest-1" {
							t.Fatalf("Verify: %v, secret %q", err, d.SecretID)
						}
						return
					}
					if !errors.Is(err, verify.ErrUnauthorized) || !errors.Is(err, c.want) {
						t.Fatalf("Verify: %v, want %v", err, c.want)
					}
				})
			}
		})
	}
}

func TestJWTIssuerKeySources(t *testing.T) {
	iss, err := hooktest.NewJWTIssuer("ES256", "https://issuer.example.com/", "hooks", hooktest.WithKeyID("key-2025"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Token()
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(jwks, iss.JWKS(), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, keys := range map[string]jwt.KeySource{
		"PEM":  jwt.PublicKeys(jwt.Key{KID: "key-2025", PEM: iss.PublicKeyPEM()}),
		"file": jwt.JWKSFile(jwks),
	} {
		v, err := jwt.New("datadog", jwt.Config{Algorithms: []string{"ES256"}, Issuer: "https://issuer.example.com/", Audience: []string{"hooks"}, Keys: keys})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d, err := v.Verify(hooktest.BearerHeader(tok), nil); err != nil || d.SecretID != "key-2025" {
			t.Errorf("%s: %v, %q", name, err, d.SecretID)
		}
	}

	hs, _ := hooktest.NewJWTIssuer("HS256", "i", "a")
	if hs.JWKS() != nil || hs.PublicKeyPEM() != nil {
		t.Error("an HMAC issuer published its key")
	}
	for name, f := range map[string]func() (*hooktest.JWTIssuer, error){
		"none":      func() (*hooktest.JWTIssuer, error) { return hooktest.NewJWTIssuer("none", "i", "a") },
		"unknown":   func() (*hooktest.JWTIssuer, error) { return hooktest.NewJWTIssuer("XS256", "i", "a") },
		"no issuer": func() (*hooktest.JWTIssuer, error) { return hooktest.NewJWTIssuer("HS256", "", "a") },
		"short secret": func() (*hooktest.JWTIssuer, error) {
			return hooktest.NewJWTIssuer("HS256", "i", "a", hooktest.WithSigningKey([]byte("short")))
		},
		"wrong key type": func() (*hooktest.JWTIssuer, error) {
			return hooktest.NewJWTIssuer("RS256", "i", "a", hooktest.WithSigningKey([]byte("x")))
		},
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

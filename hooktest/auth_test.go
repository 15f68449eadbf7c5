package hooktest_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/verify"
)

func TestCredentialHeaders(t *testing.T) {
	oncallV, err := verify.Authorization("oncall", verify.Secrets("Bearer oncall-token", "oncall-old"))
	if err != nil {
		t.Fatal(err)
	}
	basicV, err := verify.Basic("datadog", []verify.Credential{{ID: "dd", Username: "datadog", Password: "p:ss w0rd"}})
	if err != nil {
		t.Fatal(err)
	}
	tokenV, err := verify.Token("datadog", "X-Hook-Token", verify.Secrets("dd-token"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		v      verify.Verifier
		header http.Header
		ok     bool
	}{
		{"ok, OnCall authorization_header", oncallV, hooktest.AuthorizationHeader("Bearer oncall-token"), true},
		{"ok, OnCall second value", oncallV, hooktest.AuthorizationHeader("oncall-old"), true},
		{"nok, OnCall scheme added", oncallV, hooktest.BearerHeader("oncall-old"), false},
		{"ok, Datadog Basic", basicV, hooktest.BasicHeader("datadog", "p:ss w0rd"), true},
		{"nok, Datadog wrong password", basicV, hooktest.BasicHeader("datadog", "p:ss"), false},
		{"ok, Datadog custom header", tokenV, hooktest.TokenHeader("X-Hook-Token", "dd-token"), true},
		{"nok, Datadog token in another header", tokenV, hooktest.TokenHeader("X-Token", "dd-token"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := hooktest.Request("http://127.0.0.1/hooks", otherBody, c.header)
			if err != nil {
				t.Fatal(err)
			}
			d, err := c.v.Verify(req.Header, otherBody)
			if c.ok != (err == nil) || (!c.ok && !errors.Is(err, verify.ErrUnauthorized)) {
				t.Fatalf("Verify: %v, want ok=%v", err, c.ok)
			}
			if c.ok && !d.Verified {
				t.Fatal("not verified")
			}
		})
	}
}

func TestJWTIssuer(t *testing.T) {
	clock := verify.WithClock(func() time.Time { return now })
	for _, alg := range []string{"HS256", "RS256", "ES256", "ES384", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			iss, err := hooktest.NewJWTIssuer(alg, "https://issuer.example.com/", "https://hooks.example.com/datadog",
				hooktest.WithJWTClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			v, err := verify.JWT("datadog", iss.Config(), clock)
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
	base := verify.JWTConfig{Algorithms: []string{"ES256"}, Issuer: "https://issuer.example.com/", Audience: []string{"hooks"}}
	for name, cfg := range map[string]verify.JWTConfig{
		"PEM":  with(base, func(c *verify.JWTConfig) { c.PublicKeys = []verify.JWTKey{{KID: "key-2025", PEM: iss.PublicKeyPEM()}} }),
		"file": with(base, func(c *verify.JWTConfig) { c.JWKSFile = jwks }),
	} {
		v, err := verify.JWT("datadog", cfg)
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

func with(c verify.JWTConfig, f func(*verify.JWTConfig)) verify.JWTConfig {
	f(&c)
	return c
}

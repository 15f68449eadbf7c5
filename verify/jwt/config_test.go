package jwt

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/verify"
)

func TestFailsClosed(t *testing.T) {
	k := jwtKeys()
	rsaPEM := pemPublic(t, &k.rsa.PublicKey)
	privDER, _ := x509.MarshalPKCS8PrivateKey(k.rsa)
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})
	ok := func() Config {
		return Config{Algorithms: []string{"RS256"}, Issuer: jwtIssuer, Audience: []string{jwtAudience}, Keys: PublicKeys(Key{PEM: rsaPEM})}
	}
	if _, err := New("datadog", ok()); err != nil {
		t.Fatalf("the base configuration fails: %v", err)
	}
	with := func(f func(*Config)) Config { c := ok(); f(&c); return c }
	keys := func(src KeySource) Config { return with(func(c *Config) { c.Keys = src }) }
	hmac := func(alg string, secrets ...verify.Secret) Config {
		return with(func(c *Config) { c.Algorithms, c.Keys = []string{alg}, HMACSecrets(secrets...) })
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		provider string // "" means "datadog"
		cfg      Config
		want     error
		msg      string
	}{
		{"no algorithm", "", with(func(c *Config) { c.Algorithms = nil }), verify.ErrInvalidConfig, "no algorithm allowed"},
		{"alg none", "", with(func(c *Config) { c.Algorithms = []string{"RS256", "none"} }), verify.ErrInvalidConfig, `"none"`},
		{"alg None", "", with(func(c *Config) { c.Algorithms = []string{"None"} }), verify.ErrInvalidConfig, `"none"`},
		{"unknown algorithm", "", with(func(c *Config) { c.Algorithms = []string{"rs256"} }), verify.ErrInvalidConfig, `unknown algorithm "rs256"`},
		{"empty algorithm", "", with(func(c *Config) { c.Algorithms = []string{""} }), verify.ErrInvalidConfig, `unknown algorithm ""`},
		{"algorithm twice", "", with(func(c *Config) { c.Algorithms = []string{"RS256", "RS256"} }), verify.ErrInvalidConfig, "twice"},
		{"no issuer", "", with(func(c *Config) { c.Issuer = "" }), verify.ErrInvalidConfig, "Issuer is empty"},
		{"no audience", "", with(func(c *Config) { c.Audience = nil }), verify.ErrInvalidConfig, "Audience is empty"},
		{"empty audience value", "", with(func(c *Config) { c.Audience = []string{jwtAudience, ""} }), verify.ErrInvalidConfig, "empty value"},
		{"negative leeway", "", with(func(c *Config) { c.Leeway = -time.Second }), verify.ErrInvalidConfig, "Leeway is negative"},
		{"negative header bound", "", with(func(c *Config) { c.MaxHeaderLen = -1 }), verify.ErrInvalidConfig, "MaxHeaderLen is negative"},
		{"empty provider", "-", ok(), verify.ErrInvalidConfig, "provider name is empty"},
		{"overlong provider", strings.Repeat("p", 65), ok(), verify.ErrInvalidConfig, "provider name is 65 bytes, limit 64"},

		{"no key source", "", keys(nil), verify.ErrNoSecret, "no key; set Keys"},
		{"no public key", "", keys(PublicKeys()), verify.ErrNoSecret, "PublicKeys holds no key"},
		{"empty JWKS", "", keys(JWKS(nil)), verify.ErrNoSecret, "JWKS is empty"},
		{"JWKS file without a path", "", keys(JWKSFile("")), verify.ErrNoSecret, "JWKSFile names no file"},
		{"JWKS URL empty", "", keys(JWKSURL("")), verify.ErrNoSecret, "JWKSURL is empty"},
		{"no HMAC secret", "", hmac("HS256"), verify.ErrNoSecret, "HMACSecrets"},

		{"HMAC algorithm with public keys", "", with(func(c *Config) { c.Algorithms = []string{"HS256"} }), verify.ErrInvalidConfig, "algorithm confusion"},
		{"public-key algorithm with HMAC secrets", "", keys(HMACSecrets(verify.Secrets(jwtHMAC1)...)), verify.ErrInvalidConfig, "never mixes"},
		{"mixed allowlist with HMAC secrets", "", with(func(c *Config) {
			c.Algorithms, c.Keys = []string{"HS256", "RS256"}, HMACSecrets(verify.Secrets(jwtHMAC1)...)
		}), verify.ErrInvalidConfig, "never mixes"},
		{"HMAC secret shorter than 32 bytes", "", hmac("HS256", verify.Secrets("short-secret")...), verify.ErrInvalidConfig, `secret "s1" (HMAC, 12 bytes) fits none`},
		{"HS512 with a 32-byte secret", "", hmac("HS512", verify.Secrets(jwtHMAC1)...), verify.ErrInvalidConfig, "HS512 64"},
		{"blank HMAC secret", "", hmac("HS256", verify.Secrets(strings.Repeat(" ", 32))...), verify.ErrNoSecret, "blank"},
		{"HMAC secret with a trailing newline", "", hmac("HS256", verify.Secrets(jwtHMAC1+"\n")...), verify.ErrInvalidConfig, "whitespace"},
		{"HMAC secret with a control character", "", hmac("HS256", verify.Secrets(jwtHMAC1[:16]+"\x00"+jwtHMAC1[16:])...), verify.ErrInvalidConfig, "control character"},
		{"HMAC secret without an ID", "", hmac("HS256", verify.Secret{Value: jwtHMAC1}), verify.ErrInvalidConfig, "no ID"},
		{"HMAC secret ID twice", "", hmac("HS256", verify.Secret{ID: "a", Value: jwtHMAC1}, verify.Secret{ID: "a", Value: jwtHMAC2}), verify.ErrInvalidConfig, "used twice"},

		{"private key PEM", "", keys(PublicKeys(Key{PEM: privPEM})), verify.ErrInvalidConfig, "PEM is a PRIVATE KEY; configure the public key only"},
		{"not PEM", "", keys(PublicKeys(Key{PEM: []byte("ssh-rsa AAAA")})), verify.ErrInvalidConfig, "no PEM block"},
		{"two PEM blocks in one key", "", keys(PublicKeys(Key{PEM: append(append([]byte{}, rsaPEM...), rsaPEM...)})), verify.ErrInvalidConfig, "more than one block"},
		{"corrupt PEM body", "", keys(PublicKeys(Key{PEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("junk")})})), verify.ErrInvalidConfig, "does not parse"},
		{"RSA key under 2048 bits", "", keys(PublicKeys(Key{PEM: pemPublic(t, &k.rsaSmall.PublicKey)})), verify.ErrInvalidConfig, "RSA keys need at least 2048 bits"},
		{"key fits no allowed algorithm", "", keys(PublicKeys(Key{PEM: rsaPEM}, Key{KID: "ed", PEM: pemPublic(t, k.ed.Public())})), verify.ErrInvalidConfig, `public key "ed" (Ed25519) fits none of the allowed algorithms [RS256]`},
		{"allowed algorithm without a key", "", with(func(c *Config) { c.Algorithms = []string{"RS256", "ES256"} }), verify.ErrInvalidConfig, "algorithm ES256 is allowed but no configured public key fits it"},
		{"ES256 with a P-384 key", "", with(func(c *Config) {
			c.Algorithms, c.Keys = []string{"ES256"}, PublicKeys(Key{PEM: pemPublic(t, &k.ec384.PublicKey)})
		}), verify.ErrInvalidConfig, "ECDSA P-384"},
		{"kid twice", "", keys(PublicKeys(Key{KID: "a", PEM: rsaPEM}, Key{KID: "a", PEM: rsaPEM})), verify.ErrInvalidConfig, "used twice"},
		{"kid of another key's default id", "", keys(PublicKeys(Key{PEM: rsaPEM}, Key{KID: "key1", PEM: rsaPEM})), verify.ErrInvalidConfig, `kid "key1" is used twice`},

		{"JWKS not JSON", "", keys(JWKS([]byte("<html>"))), verify.ErrInvalidConfig, "does not parse"},
		{"JWKS over 1 MiB", "", keys(JWKS(make([]byte, maxJWKSSize+1))), verify.ErrInvalidConfig, "limit 1048576"},
		{"JWKS without a usable key", "", keys(JWKS(jwksJSON(t, jwkEntry{kid: "ec", key: &k.ec.PublicKey}))), verify.ErrInvalidConfig, "none usable with [RS256]"},
		{"JWKS with HMAC algorithm", "", with(func(c *Config) {
			c.Algorithms, c.Keys = []string{"HS256"}, JWKS(jwksJSON(t, jwkEntry{kid: "hs", key: []byte(jwtHMAC1)}))
		}), verify.ErrInvalidConfig, "algorithm confusion"},
		{"JWKS file missing", "", keys(JWKSFile(filepath.Join(dir, "absent.json"))), verify.ErrInvalidConfig, "JWKSFile"},
		{"JWKS URL over plain http", "", keys(JWKSURL("http://issuer.example.com/.well-known/jwks.json")), verify.ErrInvalidConfig, "must be https"},
		{"JWKS URL not absolute", "", keys(JWKSURL("/jwks.json")), verify.ErrInvalidConfig, "not an absolute URL"},
		{"JWKS URL of another scheme", "", keys(JWKSURL("file://localhost/etc/jwks.json")), verify.ErrInvalidConfig, "must be https"},
		{"JWKS URL negative interval", "", keys(JWKSURL("https://issuer.example.com/jwks.json", WithUnknownKIDInterval(-1))), verify.ErrInvalidConfig, "must not be negative"},
		{"JWKS URL negative timeout", "", keys(JWKSURL("https://issuer.example.com/jwks.json", WithFetchTimeout(-time.Second))), verify.ErrInvalidConfig, "must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			provider := tc.provider
			switch provider {
			case "":
				provider = "datadog"
			case "-":
				provider = ""
			}
			v, err := New(provider, tc.cfg)
			if !errors.Is(err, tc.want) || v != nil {
				t.Fatalf("New() = %v, %v; want error %v", v, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), jwtHMAC1[:16]) || strings.Contains(err.Error(), "BEGIN") {
				t.Errorf("err = %q quotes key material", err)
			}
		})
	}
}

// Without Config.Now the wall clock decides.
func TestDefaultClock(t *testing.T) {
	k := jwtKeys()
	cfg := pemConfig(t)
	cfg.Now = nil
	v := mustNew(t, "datadog", cfg)
	now := time.Now()
	fresh := signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("iat", now.Unix(), "exp", now.Add(time.Minute).Unix()))
	if _, err := v.Verify(bearer(fresh), nil); err != nil {
		t.Errorf("a token valid now: %v", err)
	}
	if _, err := v.Verify(bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", jwtBaseClaims())), nil); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("a token that expired in 2026: %v", err)
	}
}

// New copies the configuration: changing the caller's slices afterwards
// changes nothing.
func TestConfigIsCopied(t *testing.T) {
	k := jwtKeys()
	secrets := verify.Secrets(jwtHMAC1)
	cfg := Config{Algorithms: []string{"HS256"}, Issuer: jwtIssuer, Audience: []string{jwtAudience}, Keys: HMACSecrets(secrets...), Now: fixedClock(jwtNow)}
	v := mustNew(t, "oncall", cfg)
	cfg.Algorithms[0], cfg.Audience[0], secrets[0].Value = "HS512", "elsewhere", jwtHMAC2
	if _, err := v.Verify(bearer(signJWT(t, gojwt.SigningMethodHS256, []byte(jwtHMAC1), "", jwtBaseClaims())), nil); err != nil {
		t.Errorf("after the caller's slices changed: %v", err)
	}
	keys := []Key{{KID: "rsa1", PEM: pemPublic(t, &k.rsa.PublicKey)}}
	src := PublicKeys(keys...)
	keys[0].KID = "other"
	v = mustNew(t, "datadog", Config{Algorithms: []string{"RS256"}, Issuer: jwtIssuer, Audience: []string{jwtAudience}, Keys: src, Now: fixedClock(jwtNow)})
	if d, err := v.Verify(bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", jwtBaseClaims())), nil); err != nil || d.SecretID != "rsa1" {
		t.Errorf("after the caller's keys changed: %+v, %v", d, err)
	}
}

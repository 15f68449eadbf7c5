package jwt

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/verify"
)

func TestPublicKeys(t *testing.T) {
	k := jwtKeys()
	v := mustNew(t, "datadog", pemConfig(t))
	good := signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", jwtBaseClaims())
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
		{name: "ok, RS256 without kid: every RSA key tried", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "", jwtBaseClaims())), wantID: "rsa1"},
		{name: "ok, ES256 with kid", header: bearer(signJWT(t, gojwt.SigningMethodES256, k.ec, "ec1", jwtBaseClaims())), wantID: "ec1"},
		{name: "ok, EdDSA without kid, key without KID", header: bearer(signJWT(t, gojwt.SigningMethodEdDSA, k.ed, "", jwtBaseClaims())), wantID: "key3"},
		{name: "ok, EdDSA with a kid no KID-less key contradicts", header: bearer(signJWT(t, gojwt.SigningMethodEdDSA, k.ed, "ed-2026", jwtBaseClaims())), wantID: "key3"},
		{name: "ok, scheme in lower case, extra spaces", header: authHeader("Authorization", "bearer   "+good), wantID: "rsa1"},
		{name: "ok, aud is a list holding ours", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("aud", []string{"other", jwtAudience}))), wantID: "rsa1"},
		{name: "ok, no nbf and no iat", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("iat", nil))), wantID: "rsa1"},

		{name: "nok, missing header", header: authHeader("X-Token", "Bearer "+good), wantMsg: "header Authorization is missing or empty"},
		{name: "nok, empty header", header: authHeader("Authorization", ""), wantMsg: "missing or empty"},
		{name: "nok, repeated header", header: authHeader("Authorization", "Bearer "+good, "Authorization", "Bearer "+good), wantMsg: "sent more than once"},
		{name: "nok, wrong scheme", header: authHeader("Authorization", "Basic "+good), wantMsg: "Authorization header is not Bearer"},
		{name: "nok, no scheme", header: authHeader("Authorization", good), wantMsg: "not Bearer"},
		{name: "nok, scheme alone", header: authHeader("Authorization", "Bearer"), wantMsg: "Bearer with no token"},
		{name: "nok, two parts", header: bearer(parts[0] + "." + parts[1]), wantMsg: "not a signed JWT (want three base64url parts joined by '.', it has 2)"},
		{name: "nok, five parts (JWE)", header: bearer(good + ".a.b"), wantMsg: "it has 5"},
		{name: "nok, padded base64", header: bearer(parts[0] + "=." + parts[1] + "." + parts[2]), wantMsg: "outside base64url"},
		{name: "nok, not base64 JSON", header: bearer("e30.bm90LWpzb24." + parts[2]), wantMsg: "malformed", wantErr: gojwt.ErrTokenMalformed},

		{name: "nok, expired", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", jwtNow.Add(-time.Second).Unix()))), wantMsg: "token is expired (exp 2026-11-23T07:59:59Z, receiver's clock 2026-11-23T08:00:00Z, leeway 0s)", wantErr: gojwt.ErrTokenExpired},
		{name: "nok, expiring this second", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", jwtNow.Unix()))), wantMsg: "expired", wantErr: gojwt.ErrTokenExpired},
		{name: "nok, not valid yet", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("nbf", jwtNow.Add(time.Minute).Unix()))), wantMsg: "token is not valid yet (nbf 2026-11-23T08:01:00Z", wantErr: gojwt.ErrTokenNotValidYet},
		{name: "nok, missing exp", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", nil))), wantMsg: "token has no exp claim", wantErr: gojwt.ErrTokenRequiredClaimMissing},
		{name: "nok, exp of the wrong type", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", "tomorrow"))), wantMsg: "wrong JSON type"},
		{name: "nok, wrong issuer", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("iss", "https://evil.example.com/"))), wantMsg: `token issuer does not match (want "https://issuer.example.com/")`, wantErr: gojwt.ErrTokenInvalidIssuer},
		{name: "nok, issuer differs by a trailing slash", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("iss", strings.TrimSuffix(jwtIssuer, "/")))), wantMsg: "issuer does not match"},
		{name: "nok, missing issuer", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("iss", nil))), wantMsg: "token has no iss claim"},
		{name: "nok, wrong audience", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("aud", "https://other.example.com"))), wantMsg: "token audience does not match", wantErr: gojwt.ErrTokenInvalidAudience},
		{name: "nok, missing audience", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("aud", nil))), wantMsg: "token has no aud claim"},
		{name: "nok, expired, wrong issuer and audience: all said", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", jwtNow.Add(-time.Hour).Unix(), "iss", "x", "aud", "y"))), wantMsg: "token is expired (exp 2026-11-23T07:00:00Z, receiver's clock 2026-11-23T08:00:00Z, leeway 0s); token issuer does not match"},

		{name: "nok, alg none", header: bearer(craftJWT(`{"alg":"none","typ":"JWT"}`, string(claimsJSON), "")), wantMsg: "unsigned (alg none)"},
		{name: "nok, alg none with a signature", header: bearer(craftJWT(`{"alg":"none"}`, string(claimsJSON), parts[2])), wantMsg: "unsigned (alg none)"},
		{name: "nok, alg NONE", header: bearer(craftJWT(`{"alg":"NONE"}`, string(claimsJSON), "")), wantMsg: "unsigned (alg none)"},
		{name: "nok, no alg", header: bearer(craftJWT(`{"typ":"JWT"}`, string(claimsJSON), parts[2])), wantMsg: "token header names no algorithm (alg)"},
		{name: "nok, alg RS512 not allowed", header: bearer(signJWT(t, gojwt.SigningMethodRS512, k.rsa, "rsa1", jwtBaseClaims())), wantMsg: `algorithm "RS512" is not in the allowlist [RS256 ES256 EdDSA]`},
		{name: "nok, alg PS256 not allowed (same RSA key)", header: bearer(signJWT(t, gojwt.SigningMethodPS256, k.rsa, "rsa1", jwtBaseClaims())), wantMsg: `algorithm "PS256" is not in the allowlist`},
		{name: "nok, HS256 signed with the RSA public key PEM", header: bearer(signJWT(t, gojwt.SigningMethodHS256, pemPublic(t, &k.rsa.PublicKey), "rsa1", jwtBaseClaims())), wantMsg: `algorithm "HS256" is not in the allowlist`},
		{name: "nok, unknown alg", header: bearer(craftJWT(`{"alg":"XX999"}`, string(claimsJSON), parts[2])), wantMsg: `algorithm "XX999" is not in the allowlist`},

		{name: "nok, tampered payload", header: bearer(parts[0] + "." + b64url(string(tamperedJSON)) + "." + parts[2]), wantMsg: `token signature does not verify with the configured key "rsa1"`, wantErr: gojwt.ErrTokenSignatureInvalid},
		{name: "nok, tampered signature", header: bearer(parts[0] + "." + parts[1] + "." + string(sig)), wantMsg: "does not verify", wantErr: gojwt.ErrTokenSignatureInvalid},
		{name: "nok, non-canonical base64: a second spelling of a valid token", header: bearer(parts[0] + "." + parts[1] + "." + respelled), wantMsg: "malformed", wantErr: gojwt.ErrTokenMalformed},
		{name: "nok, signature of another token", header: bearer(parts[0] + "." + parts[1] + "." + strings.Split(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("jti", "x")), ".")[2]), wantMsg: "does not verify"},
		{name: "nok, empty signature", header: bearer(parts[0] + "." + parts[1] + "."), wantMsg: "does not verify"},
		{name: "nok, wrong key with a known kid", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsaOther, "rsa1", jwtBaseClaims())), wantMsg: `does not verify with the configured key "rsa1"`},
		{name: "nok, wrong key without kid", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsaOther, "", jwtBaseClaims())), wantMsg: "does not verify"},
		{name: "nok, ES256 token claiming the RSA key's kid", header: bearer(signJWT(t, gojwt.SigningMethodES256, k.ec, "rsa1", jwtBaseClaims())), wantMsg: `no configured key with kid "rsa1" fits algorithm ES256`},
		{name: "nok, unknown kid", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa2", jwtBaseClaims())), wantMsg: `no configured key with kid "rsa2" fits algorithm RS256`},
		{name: "nok, kid is not a string", header: bearer(craftJWT(`{"alg":"RS256","kid":7}`, string(claimsJSON), parts[2])), wantMsg: "kid is not a string"},
		{name: "nok, critical header extension", header: bearer(func() string {
			tok := gojwt.NewWithClaims(gojwt.SigningMethodRS256, jwtBaseClaims())
			tok.Header["kid"], tok.Header["crit"], tok.Header["exp-ext"] = "rsa1", []string{"exp-ext"}, 1
			s, _ := tok.SignedString(k.rsa)
			return s
		}()), wantMsg: "critical extensions"},
	})
}

// Leeway widens exp and nbf by the configured skew, and no further.
func TestLeeway(t *testing.T) {
	k := jwtKeys()
	cfg := pemConfig(t)
	cfg.Leeway = 30 * time.Second
	v := mustNew(t, "datadog", cfg)
	runAuthCases(t, v, "datadog", nil, []authCase{
		{name: "ok, expired 10 s ago, leeway 30 s", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", jwtNow.Add(-10*time.Second).Unix()))), wantID: "rsa1"},
		{name: "ok, valid in 10 s, leeway 30 s", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("nbf", jwtNow.Add(10*time.Second).Unix()))), wantID: "rsa1"},
		{name: "nok, expired 31 s ago, leeway 30 s", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("exp", jwtNow.Add(-31*time.Second).Unix()))), wantMsg: "leeway 30s", wantErr: gojwt.ErrTokenExpired},
		{name: "nok, valid in 31 s, leeway 30 s", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("nbf", jwtNow.Add(31*time.Second).Unix()))), wantMsg: "not valid yet", wantErr: gojwt.ErrTokenNotValidYet},
	})

	// The injected clock, not the wall clock, decides: the same token is
	// valid at jwtNow and expired an hour later.
	tok := signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", jwtBaseClaims())
	cfg = pemConfig(t)
	cfg.Now = fixedClock(jwtNow.Add(time.Hour))
	later := mustNew(t, "datadog", cfg)
	if _, err := later.Verify(bearer(tok), nil); !errors.Is(err, gojwt.ErrTokenExpired) {
		t.Errorf("an hour later: err = %v, want expired", err)
	}
}

func TestHMAC(t *testing.T) {
	v := mustNew(t, "oncall", Config{
		Algorithms:   []string{"HS256"},
		Issuer:       jwtIssuer,
		Audience:     []string{"other-audience", jwtAudience},
		Keys:         HMACSecrets(verify.Secrets(jwtHMAC1, jwtHMAC2)...),
		Now:          fixedClock(jwtNow),
		MaxHeaderLen: 400,
	})
	secrets := []string{jwtHMAC1, jwtHMAC2}
	runAuthCases(t, v, "oncall", secrets, []authCase{
		{name: "ok, first secret", header: bearer(signJWT(t, gojwt.SigningMethodHS256, []byte(jwtHMAC1), "", jwtBaseClaims())), wantID: "s1"},
		{name: "ok, rotation: second secret", header: bearer(signJWT(t, gojwt.SigningMethodHS256, []byte(jwtHMAC2), "", jwtBaseClaims())), wantID: "s2"},
		{name: "ok, a kid does not restrict HMAC secrets", header: bearer(signJWT(t, gojwt.SigningMethodHS256, []byte(jwtHMAC2), "whatever", jwtBaseClaims())), wantID: "s2"},
		{name: "ok, second configured audience", header: bearer(signJWT(t, gojwt.SigningMethodHS256, []byte(jwtHMAC1), "", claimsWith("aud", "other-audience"))), wantID: "s1"},
		{name: "nok, wrong secret", header: bearer(signJWT(t, gojwt.SigningMethodHS256, []byte("another-secret-of-thirty-two-b!!"), "", jwtBaseClaims())), wantMsg: "does not verify with any configured HS256 key (2 tried)", wantErr: gojwt.ErrTokenSignatureInvalid},
		{name: "nok, secret one byte short", header: bearer(signJWT(t, gojwt.SigningMethodHS256, []byte(jwtHMAC1[:31]), "", jwtBaseClaims())), wantMsg: "does not verify"},
		{name: "nok, HS384 not allowed", header: bearer(signJWT(t, gojwt.SigningMethodHS384, []byte(jwtHMAC1+jwtHMAC2), "", jwtBaseClaims())), wantMsg: `algorithm "HS384" is not in the allowlist [HS256]`},
		{name: "nok, overlong header", header: bearer(signJWT(t, gojwt.SigningMethodHS256, []byte(jwtHMAC1), "", claimsWith("pad", strings.Repeat("x", 300)))), wantMsg: "longer than 400 bytes"},
	})
}

// A token that names HS256 and is "signed" with the RSA public key's PEM
// bytes (which are public) must fail. The allowlist stops it first; the key
// family check stops it even where the allowlist is wider; construction
// refuses an allowlist that mixes HMAC and public-key algorithms.
func TestAlgorithmConfusion(t *testing.T) {
	k := jwtKeys()
	pubPEM := pemPublic(t, &k.rsa.PublicKey)
	forged := signJWT(t, gojwt.SigningMethodHS256, pubPEM, "rsa1", jwtBaseClaims())

	// The forgery is a real attack: a verifier handing the PEM bytes to an
	// HS256 check accepts it.
	if _, err := gojwt.Parse(forged, func(*gojwt.Token) (any, error) { return pubPEM, nil },
		gojwt.WithValidMethods([]string{"HS256", "RS256"}), gojwt.WithTimeFunc(func() time.Time { return jwtNow })); err != nil {
		t.Fatalf("the forged token does not even pass a naive verifier: %v", err)
	}

	v := mustNew(t, "datadog", pemConfig(t))
	if _, err := v.Verify(bearer(forged), nil); !errors.Is(err, verify.ErrUnauthorized) || !strings.Contains(err.Error(), `"HS256" is not in the allowlist`) {
		t.Errorf("allowlist RS256: err = %v", err)
	}

	// Widen the allowlist behind construction's back: the key-family check
	// alone must now refuse it.
	v.cfg.Algorithms = append(v.cfg.Algorithms, "HS256")
	v.parser = newParser(v.cfg)
	if _, err := v.Verify(bearer(forged), nil); !errors.Is(err, verify.ErrUnauthorized) || !strings.Contains(err.Error(), `no configured key with kid "rsa1" fits algorithm HS256`) {
		t.Errorf("allowlist widened to HS256: err = %v", err)
	}
	forgedNoKid := signJWT(t, gojwt.SigningMethodHS256, pubPEM, "", jwtBaseClaims())
	if _, err := v.Verify(bearer(forgedNoKid), nil); !errors.Is(err, verify.ErrUnauthorized) || !strings.Contains(err.Error(), "no configured key fits algorithm HS256") {
		t.Errorf("allowlist widened to HS256, no kid: err = %v", err)
	}

	// The same through a JWKS that (wrongly) publishes the PEM as an oct key
	// beside the RSA key.
	jwks := jwksJSON(t,
		jwkEntry{kid: "rsa1", key: &k.rsa.PublicKey},
		jwkEntry{kid: "hs", key: pubPEM},
	)
	vj := mustNew(t, "datadog", Config{Algorithms: []string{"RS256"}, Issuer: jwtIssuer, Audience: []string{jwtAudience}, Keys: JWKS(jwks), Now: fixedClock(jwtNow)})
	vj.cfg.Algorithms = append(vj.cfg.Algorithms, "HS256")
	vj.parser = newParser(vj.cfg)
	for _, kid := range []string{"hs", "rsa1"} {
		tok := signJWT(t, gojwt.SigningMethodHS256, pubPEM, kid, jwtBaseClaims())
		if _, err := vj.Verify(bearer(tok), nil); !errors.Is(err, verify.ErrUnauthorized) || !strings.Contains(err.Error(), "does not fit algorithm HS256") {
			t.Errorf("JWKS, kid %s: err = %v", kid, err)
		}
	}

	// And construction refuses the mixed allowlist outright.
	_, err := New("datadog", Config{
		Algorithms: []string{"HS256", "RS256"}, Issuer: jwtIssuer, Audience: []string{jwtAudience},
		Keys: PublicKeys(Key{PEM: pubPEM}),
	})
	if !errors.Is(err, verify.ErrInvalidConfig) || !strings.Contains(err.Error(), "algorithm confusion") {
		t.Errorf("mixed allowlist: err = %v", err)
	}
}

func TestVerifyClaims(t *testing.T) {
	k := jwtKeys()
	v := mustNew(t, "datadog-eu", pemConfig(t))
	tok := signJWT(t, gojwt.SigningMethodES256, k.ec, "ec1", claimsWith("nbf", jwtNow.Add(-time.Minute).Unix()))
	body := []byte("{}")
	d, c, err := v.VerifyClaims(bearer(tok), body)
	if err != nil {
		t.Fatal(err)
	}
	scope := wantScope(jwtIssuer, jwtSubject)
	if want := (verify.Delivery{Provider: "datadog-eu", SecretID: "ec1", Scope: scope, Key: verify.KeyFromBody("datadog-eu", scope, body)}); !reflect.DeepEqual(d, want) {
		t.Errorf("delivery = %+v\nwant       %+v", d, want)
	}
	want := Claims{
		Issuer: jwtIssuer, Subject: jwtSubject, Audience: []string{jwtAudience}, ID: "tok-1",
		ExpiresAt: jwtNow.Add(5 * time.Minute), NotBefore: jwtNow.Add(-time.Minute), IssuedAt: jwtNow.Add(-time.Minute),
		All: map[string]any{
			"iss": jwtIssuer, "aud": jwtAudience, "sub": jwtSubject, "azp": "dd-client-1", "jti": "tok-1",
			"iat": float64(jwtNow.Add(-time.Minute).Unix()),
			"nbf": float64(jwtNow.Add(-time.Minute).Unix()),
			"exp": float64(jwtNow.Add(5 * time.Minute).Unix()),
		},
	}
	// NumericDate times are local; compare instants.
	c.ExpiresAt, c.NotBefore, c.IssuedAt = c.ExpiresAt.UTC(), c.NotBefore.UTC(), c.IssuedAt.UTC()
	if !reflect.DeepEqual(c, want) {
		t.Errorf("claims = %+v\nwant     %+v", c, want)
	}
	d, c, err = v.VerifyClaims(bearer(tok+"x"), nil)
	if err == nil || !reflect.DeepEqual(c, Claims{}) || !reflect.DeepEqual(d, verify.Delivery{Provider: "datadog-eu"}) {
		t.Errorf("failed verification returned %+v, %+v, %v", d, c, err)
	}
}

// Two clients of one issuer (two Datadog accounts with their own OAuth
// clients) get different scopes, so their deliveries never share dedupe
// state even when the bodies are byte-identical; two tokens of one client
// share a scope.
func TestScope(t *testing.T) {
	k := jwtKeys()
	v := mustNew(t, "datadog", pemConfig(t))
	body := []byte(`{"id":"1"}`)
	verifyAs := func(claims gojwt.MapClaims) verify.Delivery {
		t.Helper()
		d, err := v.Verify(bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claims)), body)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a1 := verifyAs(claimsWith("sub", "client-a", "jti", "1"))
	a2 := verifyAs(claimsWith("sub", "client-a", "jti", "2", "exp", jwtNow.Add(time.Hour).Unix()))
	b := verifyAs(claimsWith("sub", "client-b"))
	none := verifyAs(claimsWith("sub", nil))
	if !reflect.DeepEqual(a1, a2) {
		t.Errorf("two tokens of one client: %+v and %+v", a1, a2)
	}
	got := []string{a1.Scope, b.Scope, none.Scope}
	want := []string{wantScope(jwtIssuer, "client-a"), wantScope(jwtIssuer, "client-b"), wantScope(jwtIssuer, "")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scopes = %q, want %q", got, want)
	}
	if a1.Key == b.Key || a1.Key == none.Key {
		t.Error("two clients share a delivery key")
	}
	// The issuer and subject are length-prefixed: moving a byte from one to
	// the other changes the scope.
	if scopeOf("ab", "c") == scopeOf("a", "bc") {
		t.Error("scopeOf does not separate iss from sub")
	}
}

// A sub that is not a string would collapse two clients into one scope, so
// it is refused.
func TestSubMustBeString(t *testing.T) {
	k := jwtKeys()
	v := mustNew(t, "datadog", pemConfig(t))
	runAuthCases(t, v, "datadog", nil, []authCase{
		{name: "nok, numeric sub", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("sub", 42))), wantMsg: "sub claim is not a string", wantErr: gojwt.ErrInvalidType},
		{name: "nok, null sub", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "rsa1", claimsWith("sub", json.RawMessage("null")))), wantMsg: "sub claim is not a string"},
	})
}

// The re-exported sentinels are golang-jwt's own.
func TestSentinelsAreGolangJWTs(t *testing.T) {
	for _, p := range [][2]error{
		{ErrTokenMalformed, gojwt.ErrTokenMalformed}, {ErrTokenUnverifiable, gojwt.ErrTokenUnverifiable},
		{ErrTokenSignatureInvalid, gojwt.ErrTokenSignatureInvalid}, {ErrTokenInvalidClaims, gojwt.ErrTokenInvalidClaims},
		{ErrTokenExpired, gojwt.ErrTokenExpired}, {ErrTokenNotValidYet, gojwt.ErrTokenNotValidYet},
		{ErrTokenInvalidIssuer, gojwt.ErrTokenInvalidIssuer}, {ErrTokenInvalidAudience, gojwt.ErrTokenInvalidAudience},
		{ErrTokenRequiredClaimMissing, gojwt.ErrTokenRequiredClaimMissing},
	} {
		if p[0] != p[1] {
			t.Errorf("%v is not golang-jwt's", p[0])
		}
	}
}

package jwt

import (
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
	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/verify"
)

// A JWKS file written to disk, as an operator would: kid selection, the
// JWK's alg and use honoured, no refresh for unknown kids.
func TestJWKSFile(t *testing.T) {
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
	v := mustNew(t, "datadog", jwksConfig(JWKSFile(path)))
	runAuthCases(t, v, "datadog", nil, []authCase{
		{name: "ok, RS256 kid k1", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "k1", jwtBaseClaims())), wantID: "k1"},
		{name: "ok, EdDSA kid k2", header: bearer(signJWT(t, gojwt.SigningMethodEdDSA, k.ed, "k2", jwtBaseClaims())), wantID: "k2"},
		{name: "ok, no kid: every fitting key tried", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "", jwtBaseClaims())), wantID: "k1"},
		{name: "nok, unknown kid (no refresh for a file)", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "k9", jwtBaseClaims())), wantMsg: `no key with kid "k9" in the JWKS`},
		{name: "nok, kid of a key pinned to RS384", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsaOther, "pinned-rs384", jwtBaseClaims())), wantMsg: `key with kid "pinned-rs384" does not fit algorithm RS256`},
		{name: "nok, kid of an encryption key", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsaOther, "enc-only", jwtBaseClaims())), wantMsg: "does not fit"},
		{name: "nok, EdDSA token naming the RSA key", header: bearer(signJWT(t, gojwt.SigningMethodEdDSA, k.ed, "k1", jwtBaseClaims())), wantMsg: "does not fit algorithm EdDSA"},
		{name: "nok, no kid, signed by a key only usable for RS384", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsaOther, "", jwtBaseClaims())), wantMsg: `does not verify with the configured key "k1"`},
		{name: "nok, expired", header: bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "k1", claimsWith("exp", jwtNow.Add(-time.Hour).Unix()))), wantMsg: "expired"},
	})

	// JWKS: the same bytes in memory.
	vj := mustNew(t, "datadog", jwksConfig(JWKS(raw)))
	if d, err := vj.Verify(bearer(signJWT(t, gojwt.SigningMethodEdDSA, k.ed, "k2", jwtBaseClaims())), nil); err != nil || d.SecretID != "k2" {
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

// jwksURLVerifier fetches the set at url, refreshing it hourly and for an
// unknown kid at most hourly, unless opts say otherwise.
func jwksURLVerifier(t *testing.T, url string, opts ...JWKSOption) *Verifier {
	t.Helper()
	opts = append([]JWKSOption{WithRefreshInterval(time.Hour), WithUnknownKIDInterval(time.Hour)}, opts...)
	return mustNew(t, "datadog", jwksConfig(JWKSURL(url, opts...)))
}

// A JWKS from a URL: a rotated key is fetched when its kid first appears,
// and tokens with unknown kids cannot make the verifier hammer the issuer.
func TestJWKSURLRotationAndRateLimit(t *testing.T) {
	k := jwtKeys()
	srv := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "k1", key: &k.rsa.PublicKey}))
	v := jwksURLVerifier(t, srv.URL+"/.well-known/jwks.json", nil)
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("construction fetched %d times, want 1", n)
	}
	verifyWith := func(key any, kid string) (verify.Delivery, error) {
		return v.Verify(bearer(signJWT(t, gojwt.SigningMethodRS256, key, kid, jwtBaseClaims())), nil)
	}
	if d, err := verifyWith(k.rsa, "k1"); err != nil || d.SecretID != "k1" {
		t.Fatalf("k1: %+v, %v", d, err)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("a known kid fetched: %d fetches", n)
	}

	// The issuer rotates: k1 is withdrawn, k2 published.
	srv.set(jwksJSON(t, jwkEntry{kid: "k2", key: &k.rsaOther.PublicKey}))
	if d, err := verifyWith(k.rsaOther, "k2"); err != nil || d.SecretID != "k2" {
		t.Fatalf("k2 after rotation: %+v, %v", d, err)
	}
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("after the unknown kid k2: %d fetches, want 2", n)
	}
	// k1 went with the refresh (revocation), and the refresh budget is spent.
	if _, err := verifyWith(k.rsa, "k1"); !errors.Is(err, verify.ErrUnauthorized) || !strings.Contains(err.Error(), "at most once per 1h0m0s") {
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
			tok := signJWT(t, gojwt.SigningMethodRS256, k.rsaOther, fmt.Sprintf("invented-%d", i), jwtBaseClaims())
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
	if _, err := verifyWith(k.rsaOther, "k2"); err != nil {
		t.Errorf("k2 after the flood: %v", err)
	}
}

// With a short limit interval, an unknown kid that arrives just after a
// refresh waits for the next allowed fetch (within the fetch timeout) rather
// than failing.
func TestJWKSURLUnknownKIDWaitsForNextSlot(t *testing.T) {
	k := jwtKeys()
	srv := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "k1", key: &k.rsa.PublicKey}))
	v := jwksURLVerifier(t, srv.URL, WithUnknownKIDInterval(100*time.Millisecond))
	srv.set(jwksJSON(t, jwkEntry{kid: "k2", key: &k.rsaOther.PublicKey}))
	if _, err := v.Verify(bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsaOther, "k2", jwtBaseClaims())), nil); err != nil {
		t.Fatalf("k2: %v", err)
	}
	srv.set(jwksJSON(t, jwkEntry{kid: "k3", key: k.ed.Public()}))
	if d, err := v.Verify(bearer(signJWT(t, gojwt.SigningMethodEdDSA, k.ed, "k3", jwtBaseClaims())), nil); err != nil || d.SecretID != "k3" {
		t.Fatalf("k3 right after the k2 refresh: %+v, %v", d, err)
	}
	if n := srv.hits.Load(); n != 3 {
		t.Errorf("%d fetches, want 3", n)
	}
}

// The background refresh picks up new keys without any unknown kid, and
// Close stops it.
func TestJWKSURLBackgroundRefreshAndClose(t *testing.T) {
	k := jwtKeys()
	srv := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "k1", key: &k.rsa.PublicKey}))
	v := jwksURLVerifier(t, srv.URL, WithRefreshInterval(20*time.Millisecond))
	srv.set(jwksJSON(t, jwkEntry{kid: "k2", key: &k.rsaOther.PublicKey}))
	noKid := bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsaOther, "", jwtBaseClaims()))
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
	if _, err := v.Verify(bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "k9", jwtBaseClaims())), nil); err == nil || srv.hits.Load() != before {
		t.Errorf("unknown kid after Close: err %v, %d fetches", err, srv.hits.Load()-before)
	}
}

func TestJWKSURLFirstFetch(t *testing.T) {
	k := jwtKeys()
	const secretQuery = "?tenant=S3CRET-QUERY"

	t.Run("nok, unreachable set fails construction", func(t *testing.T) {
		srv := newJWKSServer(t, nil)
		srv.status.Store(http.StatusNotFound)
		v, err := New("datadog", jwksConfig(JWKSURL(srv.URL+"/jwks"+secretQuery)))
		if !errors.Is(err, verify.ErrInvalidConfig) || v != nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("New() = %v, %v", v, err)
		}
		if strings.Contains(err.Error(), "S3CRET") {
			t.Errorf("err = %q shows the URL's query", err)
		}
	})

	t.Run("nok, redirect to clear text", func(t *testing.T) {
		srv := httptest.NewServer(http.RedirectHandler("http://issuer.example.com/jwks.json", http.StatusFound))
		defer srv.Close()
		if _, err := New("datadog", jwksConfig(JWKSURL(srv.URL))); !errors.Is(err, verify.ErrInvalidConfig) || !strings.Contains(err.Error(), "redirect to http://issuer.example.com/jwks.json refused") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("nok, oversized set", func(t *testing.T) {
		srv := newJWKSServer(t, []byte(`{"keys":[],"pad":"`+strings.Repeat("x", maxJWKSSize)+`"}`))
		if _, err := New("datadog", jwksConfig(JWKSURL(srv.URL))); !errors.Is(err, verify.ErrInvalidConfig) || !strings.Contains(err.Error(), "larger than 1 MiB") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("nok, set without a usable key", func(t *testing.T) {
		srv := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "ec", key: &k.ec.PublicKey}))
		if _, err := New("datadog", jwksConfig(JWKSURL(srv.URL))); !errors.Is(err, verify.ErrInvalidConfig) || !strings.Contains(err.Error(), "none usable") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("ok, start without keys, then heal", func(t *testing.T) {
		srv := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "k1", key: &k.rsa.PublicKey}))
		srv.status.Store(http.StatusServiceUnavailable)
		var mu sync.Mutex
		var reported []error
		v := jwksURLVerifier(t, srv.URL+"/jwks"+secretQuery,
			WithStartWithoutKeys(),
			WithUnknownKIDInterval(10*time.Millisecond),
			WithErrorHandler(func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }),
		)
		tok := bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "k1", jwtBaseClaims()))
		if _, err := v.Verify(tok, nil); !errors.Is(err, verify.ErrUnauthorized) {
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

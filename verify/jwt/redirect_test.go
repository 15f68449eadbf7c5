package jwt

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/verify"
)

// redirectingIssuer is an https issuer whose /jwks redirects to clear
// text, to attacker's key set (with credentials in the Location), and whose
// /moved redirects to /current, its genuine set of rsa under kid k1.
func redirectingIssuer(t *testing.T, attacker *jwksServer) *httptest.Server {
	t.Helper()
	genuine := jwksJSON(t, jwkEntry{kid: "k1", key: &jwtKeys().rsa.PublicKey})
	issuer := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/jwks":
			http.Redirect(w, r, strings.Replace(attacker.URL, "http://", "http://mallory:S3CRET-PASS@", 1)+"/jwks.json?sig=S3CRET-QUERY", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/current", http.StatusMovedPermanently)
		case "/current":
			w.Write(genuine)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(issuer.Close)
	return issuer
}

// A caller's http.Client keeps the https-only rule on redirects: an https
// key set URL that redirects to clear text, where an attacker serves a key
// set of its own, yields no keys, so the attacker's tokens never verify.
// The caller's client is used through a copy and never changed. Errors
// say why without quoting either URL's credentials.
func TestJWKSURLCallerClientRedirectToHTTP(t *testing.T) {
	k := jwtKeys()
	attacker := newJWKSServer(t, jwksJSON(t, jwkEntry{kid: "k1", key: &k.rsaOther.PublicKey}))
	forged := bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsaOther, "k1", jwtBaseClaims()))
	issuer := redirectingIssuer(t, attacker)
	// The configured URL carries credentials of its own.
	jwksURL := strings.Replace(issuer.URL, "https://", "https://hook:S3CRET-USER@", 1) + "/jwks?tenant=S3CRET-TENANT"
	wantWhy := "redirect to " + attacker.URL + "/jwks.json refused: keys are fetched over https only"
	noCredentials := func(t *testing.T, err error) {
		t.Helper()
		if strings.Contains(err.Error(), "S3CRET") {
			t.Errorf("err = %q quotes a URL's credentials", err)
		}
	}

	t.Run("nok, https to http redirect: New fails", func(t *testing.T) {
		client := issuer.Client()
		before := *client
		_, err := New("datadog", jwksConfig(JWKSURL(jwksURL, WithHTTPClient(client))))
		if !errors.Is(err, verify.ErrInvalidConfig) || !strings.Contains(err.Error(), wantWhy) {
			t.Fatalf("err = %v, want it to say %q", err, wantWhy)
		}
		noCredentials(t, err)
		if n := attacker.hits.Load(); n != 0 {
			t.Errorf("the clear-text key set was fetched %d times", n)
		}
		if client.CheckRedirect != nil || client.Transport != before.Transport || client.Timeout != before.Timeout {
			t.Errorf("the caller's client was changed: %+v, was %+v", client, before)
		}
	})

	t.Run("nok, https to http redirect: started without keys, forged token refused", func(t *testing.T) {
		var mu sync.Mutex
		var reported []error
		v := jwksURLVerifier(t, jwksURL,
			WithHTTPClient(issuer.Client()),
			WithStartWithoutKeys(),
			WithUnknownKIDInterval(time.Millisecond),
			WithErrorHandler(func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }),
		)
		d, err := v.Verify(forged, nil)
		if !errors.Is(err, verify.ErrUnauthorized) || !reflect.DeepEqual(d, verify.Delivery{Provider: "datadog"}) {
			t.Fatalf("forged token: %+v, %v", d, err)
		}
		if n := attacker.hits.Load(); n != 0 {
			t.Errorf("the clear-text key set was fetched %d times", n)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(reported) == 0 {
			t.Fatal("the refused fetches were not reported")
		}
		for _, err := range reported {
			if !strings.Contains(err.Error(), wantWhy) {
				t.Errorf("reported %q, want it to say %q", err, wantWhy)
			}
			noCredentials(t, err)
		}
	})

}

// An https to https redirect is followed, and the caller's CheckRedirect
// runs on it and may refuse it.
func TestJWKSURLCallerCheckRedirect(t *testing.T) {
	k := jwtKeys()
	issuer := redirectingIssuer(t, newJWKSServer(t, nil))
	t.Run("ok, https to https redirect runs the caller's CheckRedirect", func(t *testing.T) {
		client := issuer.Client()
		var checked atomic.Int64
		client.CheckRedirect = func(*http.Request, []*http.Request) error { checked.Add(1); return nil }
		v := jwksURLVerifier(t, issuer.URL+"/moved", WithHTTPClient(client))
		if d, err := v.Verify(bearer(signJWT(t, gojwt.SigningMethodRS256, k.rsa, "k1", jwtBaseClaims())), nil); err != nil || d.SecretID != "k1" {
			t.Fatalf("Verify = %+v, %v", d, err)
		}
		if checked.Load() != 1 {
			t.Errorf("the caller's CheckRedirect ran %d times, want 1", checked.Load())
		}
	})

	t.Run("nok, the caller's CheckRedirect refuses", func(t *testing.T) {
		client := issuer.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return errors.New("no redirects, by policy") }
		_, err := New("datadog", jwksConfig(JWKSURL(issuer.URL+"/moved", WithHTTPClient(client))))
		if !errors.Is(err, verify.ErrInvalidConfig) || !strings.Contains(err.Error(), "no redirects, by policy") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestRedirectAllowed(t *testing.T) {
	for _, tc := range []struct {
		orig, target string
		want         bool
	}{
		{"https://issuer.example.com/jwks", "https://cdn.example.com/jwks", true},
		{"https://issuer.example.com/jwks", "http://cdn.example.com/jwks", false},
		{"https://127.0.0.1:8443/jwks", "http://127.0.0.1:8080/jwks", false},
		{"https://localhost/jwks", "http://localhost/jwks", false},
		{"http://127.0.0.1:8080/jwks", "http://localhost:9090/jwks", true},
		{"http://[::1]:8080/jwks", "http://127.0.0.1/jwks", true},
		{"http://127.0.0.1:8080/jwks", "http://issuer.example.com/jwks", false},
		{"http://127.0.0.1:8080/jwks", "https://issuer.example.com/jwks", true},
		{"http://127.0.0.1:8080/jwks", "file:///etc/jwks.json", false},
	} {
		orig, _ := url.Parse(tc.orig)
		target, _ := url.Parse(tc.target)
		if got := redirectAllowed(orig, target); got != tc.want {
			t.Errorf("redirectAllowed(%s, %s) = %v, want %v", tc.orig, tc.target, got, tc.want)
		}
	}
}

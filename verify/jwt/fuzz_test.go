package jwt

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/internal/header"
)

// bearerErrorTexts are parseBearer's messages with digit runs replaced by
// '#' (stripDigits): fixed but for a count.
var bearerErrorTexts = map[string]bool{}

func init() {
	for _, s := range []string{
		`jwt: unauthorized: Authorization header is not Bearer (want "Bearer <jwt>")`,
		`jwt: unauthorized: Authorization header is Bearer with no token`,
		`jwt: unauthorized: bearer token is not a JWT: it holds a character outside base64url and '.'`,
		`jwt: unauthorized: bearer token is not a signed JWT (want three base64url parts joined by '.', it has 0)`,
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
	tok := signJWT(f, gojwt.SigningMethodHS256, []byte(jwtHMAC1), "k", jwtBaseClaims())
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
			if !errors.Is(err, verify.ErrUnauthorized) {
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
	good := signJWT(f, gojwt.SigningMethodHS256, []byte(jwtHMAC1), "", jwtBaseClaims())
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
	v := mustNew(f, "datadog", Config{Algorithms: []string{"HS256"}, Issuer: jwtIssuer, Audience: []string{jwtAudience}, Keys: HMACSecrets(verify.Secrets(jwtHMAC1)...), Now: fixedClock(jwtNow)})
	f.Fuzz(func(t *testing.T, value string) {
		h := http.Header{"Authorization": {value}}
		d, err := v.Verify(h, nil)
		if err != nil {
			if !errors.Is(err, verify.ErrUnauthorized) || !reflect.DeepEqual(d, verify.Delivery{Provider: "datadog"}) || strings.Contains(err.Error(), jwtHMAC1) {
				t.Fatalf("Verify(%q) = %+v, %v", value, d, err)
			}
			return
		}
		if tok, _ := parseBearer(header.TrimOWS(value)); tok != good {
			t.Fatalf("Verify accepted %q, which is not the genuine token", value)
		}
	})
}

package verify

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// Helpers here are prefixed "auth" so they never collide with the HMAC
// tests' helpers in this package.

// authHeader builds a header from name/value pairs, keeping names exactly as
// given (as a hand-built map would) and allowing repeats.
func authHeader(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = append(h[kv[i]], kv[i+1])
	}
	return h
}

func basicValue(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// authCase is one request-time case shared by the token, Basic and JWT
// tables: "ok, ..." cases must verify with wantID, "nok, ..." cases must
// fail with ErrUnauthorized and a message containing wantMsg.
type authCase struct {
	name    string
	header  http.Header
	wantID  string
	wantMsg string
	wantErr error // an extra sentinel errors.Is must find (optional)
}

func runAuthCases(t *testing.T, v Verifier, provider string, secrets []string, cases []authCase) {
	t.Helper()
	body := []byte(`{"alert_group_id":"I8ZW9PX5M1D3T","event":{"type":"resolve"}}`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := v.Verify(tc.header, body)
			if d.Provider != provider {
				t.Errorf("Provider = %q, want %q", d.Provider, provider)
			}
			if strings.HasPrefix(tc.name, "ok") {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				if d.SecretID != tc.wantID || len(d.Scope) != 16 {
					t.Fatalf("delivery = %+v, want one authenticated by %q with a scope", d, tc.wantID)
				}
				if d.Key != KeyFromBody(provider, d.Scope, body) {
					t.Errorf("Key = %s, want KeyFromBody", d.Key)
				}
				if !d.Timestamp.IsZero() || d.TimestampSigned || d.ID != "" {
					t.Errorf("delivery carries a timestamp or id these senders never send: %+v", d)
				}
				return
			}
			if err == nil {
				t.Fatalf("verified (%+v), want failure", d)
			}
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want it to wrap %v too", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("err = %q, want it to say %q", err, tc.wantMsg)
			}
			if d.SecretID != "" || d.Scope != "" || !d.Key.IsZero() {
				t.Errorf("failed delivery leaks state: %+v", d)
			}
			authNoSecretInError(t, err, secrets, tc.header)
		})
	}
}

// authNoSecretInError fails when err quotes a configured secret or any
// presented header value of 8 bytes or more (a presented value may be a
// secret in the wrong place).
func authNoSecretInError(t *testing.T, err error, secrets []string, h http.Header) {
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

const (
	tokA = "tok-4c7f0a1e9b2d6c3f"
	tokB = "tok-rotated-5e8a2b71"
)

func TestToken(t *testing.T) {
	v, err := Token("datadog", "X-Hook-Token", Secrets(tokA, tokB), WithMaxHeaderLen(64))
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 65)
	runAuthCases(t, v, "datadog", []string{tokA, tokB}, []authCase{
		{name: "ok, first token", header: authHeader("X-Hook-Token", tokA), wantID: "s1"},
		{name: "ok, rotation: second token", header: authHeader("X-Hook-Token", tokB), wantID: "s2"},
		{name: "ok, header name in another case (hand-built header)", header: authHeader("x-hook-token", tokA), wantID: "s1"},
		{name: "ok, surrounding whitespace is not part of the value", header: authHeader("X-Hook-Token", " \t"+tokA+" "), wantID: "s1"},
		{name: "ok, exactly at the header bound", header: authHeader("X-Hook-Token", tokA+strings.Repeat(" ", 64-len(tokA))), wantID: "s1"},
		{name: "nok, missing header", header: authHeader("X-Other", tokA), wantMsg: "X-Hook-Token is missing or empty"},
		{name: "nok, no headers at all", header: nil, wantMsg: "missing or empty"},
		{name: "nok, empty value", header: authHeader("X-Hook-Token", ""), wantMsg: "missing or empty"},
		{name: "nok, whitespace only", header: authHeader("X-Hook-Token", "  "), wantMsg: "missing or empty"},
		{name: "nok, repeated header", header: authHeader("X-Hook-Token", tokA, "X-Hook-Token", tokA), wantMsg: "sent more than once"},
		{name: "nok, repeated under two spellings, neither canonical", header: authHeader("x-hook-token", tokA, "X-HOOK-TOKEN", tokB), wantMsg: "sent more than once"},
		{name: "nok, wrong token", header: authHeader("X-Hook-Token", "tok-wrong-00000000"), wantMsg: "matches no configured token (2 tried)"},
		{name: "nok, one byte shorter", header: authHeader("X-Hook-Token", tokA[:len(tokA)-1]), wantMsg: "matches no configured token"},
		{name: "nok, one byte longer", header: authHeader("X-Hook-Token", tokA+"f"), wantMsg: "matches no configured token"},
		{name: "nok, last byte differs", header: authHeader("X-Hook-Token", tokA[:len(tokA)-1]+"e"), wantMsg: "matches no configured token"},
		{name: "nok, first byte differs", header: authHeader("X-Hook-Token", "T"+tokA[1:]), wantMsg: "matches no configured token"},
		{name: "nok, both tokens joined", header: authHeader("X-Hook-Token", tokA+","+tokB), wantMsg: "matches no configured token"},
		{name: "nok, a scheme added", header: authHeader("X-Hook-Token", "Bearer "+tokA), wantMsg: "matches no configured token"},
		{name: "nok, overlong header", header: authHeader("X-Hook-Token", long), wantMsg: "longer than 64 bytes"},
		{name: "nok, token in Authorization instead", header: authHeader("Authorization", tokA), wantMsg: "missing or empty"},
	})
}

// Grafana OnCall copies authorization_header verbatim: the whole value,
// scheme included, is the secret, compared exactly.
func TestAuthorization(t *testing.T) {
	const val = "Bearer oncall-9f1c2e7a55d0"
	v, err := Authorization("oncall", []Secret{{ID: "oncall-2026", Value: val}})
	if err != nil {
		t.Fatal(err)
	}
	runAuthCases(t, v, "oncall", []string{val, "oncall-9f1c2e7a55d0"}, []authCase{
		{name: "ok, verbatim", header: authHeader("Authorization", val), wantID: "oncall-2026"},
		{name: "ok, canonical lookup of a lower-case name", header: authHeader("authorization", val), wantID: "oncall-2026"},
		{name: "nok, scheme case differs (verbatim means verbatim)", header: authHeader("Authorization", "bearer oncall-9f1c2e7a55d0"), wantMsg: "matches no configured token"},
		{name: "nok, scheme missing", header: authHeader("Authorization", "oncall-9f1c2e7a55d0"), wantMsg: "matches no configured token"},
		{name: "nok, two spaces", header: authHeader("Authorization", "Bearer  oncall-9f1c2e7a55d0"), wantMsg: "matches no configured token"},
		{name: "nok, missing", header: authHeader("X-Hook-Token", val), wantMsg: "header Authorization is missing or empty"},
		{name: "nok, repeated", header: authHeader("Authorization", val, "Authorization", val), wantMsg: "sent more than once"},
		{name: "nok, overlong", header: authHeader("Authorization", "Bearer "+strings.Repeat("a", DefaultMaxHeaderLen)), wantMsg: "longer than 4096 bytes"},
	})
}

func TestTokenFailsClosed(t *testing.T) {
	const p, h = "datadog", "X-Hook-Token"
	for _, tc := range []struct {
		name             string
		provider, header string
		tokens           []Secret
		opts             []Option
		want             error
		msg              string
	}{
		{name: "no tokens", provider: p, header: h, tokens: nil, want: ErrNoSecret},
		{name: "empty token", provider: p, header: h, tokens: Secrets(""), want: ErrNoSecret},
		{name: "blank token", provider: p, header: h, tokens: Secrets("   "), want: ErrNoSecret},
		{name: "missing ID", provider: p, header: h, tokens: []Secret{{Value: tokA}}, want: ErrInvalidConfig},
		{name: "repeated ID", provider: p, header: h, tokens: []Secret{{ID: "a", Value: tokA}, {ID: "a", Value: tokB}}, want: ErrInvalidConfig},
		{name: "one value twice", provider: p, header: h, tokens: []Secret{{ID: "a", Value: tokA}, {ID: "b", Value: tokA}}, want: ErrInvalidConfig, msg: `tokens "a" and "b" have the same value`},
		{name: "leading space", provider: p, header: h, tokens: Secrets(" " + tokA), want: ErrInvalidConfig, msg: "whitespace"},
		{name: "trailing tab", provider: p, header: h, tokens: Secrets(tokA + "\t"), want: ErrInvalidConfig, msg: "whitespace"},
		{name: "newline inside", provider: p, header: h, tokens: Secrets("tok\nen"), want: ErrInvalidConfig, msg: "control character"},
		{name: "longer than the header bound", provider: p, header: h, tokens: Secrets(tokA), opts: []Option{WithMaxHeaderLen(8)}, want: ErrInvalidConfig, msg: "WithMaxHeaderLen"},
		{name: "bad header name", provider: p, header: "X Hook", tokens: Secrets(tokA), want: ErrInvalidConfig},
		{name: "empty header name", provider: p, header: "", tokens: Secrets(tokA), want: ErrInvalidConfig},
		{name: "empty provider", provider: "", header: h, tokens: Secrets(tokA), want: ErrInvalidConfig},
		{name: "bad option", provider: p, header: h, tokens: Secrets(tokA), opts: []Option{WithMaxHeaderLen(0)}, want: ErrInvalidConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Token(tc.provider, tc.header, tc.tokens, tc.opts...)
			if !errors.Is(err, tc.want) || v != nil {
				t.Fatalf("Token() = %v, %v; want error %v", v, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
			for _, s := range tc.tokens {
				if s.Value != "" && strings.Contains(err.Error(), s.Value) {
					t.Errorf("err = %q quotes a token", err)
				}
			}
		})
	}
}

// TestScopesKeepCredentialsApart: two routes of one provider with different
// credentials (two accounts, two tenants) never produce one key for one
// body, while one credential always produces the same scope and key.
func TestScopesKeepCredentialsApart(t *testing.T) {
	body := []byte(`{"id":"1"}`)
	a, _ := Authorization("oncall", Secrets(tokA))
	b, _ := Authorization("oncall", Secrets(tokB))
	a2, _ := Authorization("oncall", Secrets(tokB, tokA))
	da, errA := a.Verify(authHeader("Authorization", tokA), body)
	db, errB := b.Verify(authHeader("Authorization", tokB), body)
	da2, errA2 := a2.Verify(authHeader("Authorization", tokA), body)
	if errA != nil || errB != nil || errA2 != nil {
		t.Fatal(errA, errB, errA2)
	}
	if da.Scope == db.Scope || da.Key == db.Key {
		t.Fatalf("two tokens share a scope or key: %+v %+v", da, db)
	}
	if da2.Scope != da.Scope || da2.Key != da.Key {
		t.Fatalf("one token gave two scopes: %+v %+v", da, da2)
	}
	if strings.Contains(da.Scope, tokA) || len(da.Scope) != 16 {
		t.Fatalf("scope %q", da.Scope)
	}

	u1, _ := Basic("datadog", []Credential{{ID: "a", Username: "dd", Password: "pw-account-one"}})
	u2, _ := Basic("datadog", []Credential{{ID: "a", Username: "dd", Password: "pw-account-two"}})
	d1, err1 := u1.Verify(authHeader("Authorization", basicValue("dd", "pw-account-one")), body)
	d2, err2 := u2.Verify(authHeader("Authorization", basicValue("dd", "pw-account-two")), body)
	if err1 != nil || err2 != nil || d1.Scope == d2.Scope || d1.Key == d2.Key {
		t.Fatalf("two Basic accounts share state: %+v %v %+v %v", d1, err1, d2, err2)
	}
}

// matchDigest must find the match wherever it is, and only a real one.
func TestMatchDigest(t *testing.T) {
	var set []digestSecret
	for i := range 5 {
		set = append(set, digestSecret{id: string(rune('a' + i)), sum: sha256.Sum256([]byte{byte(i)})})
	}
	for i := range set {
		sum := sha256.Sum256([]byte{byte(i)})
		if got, ok := matchDigest(&sum, set); !ok || got != i {
			t.Errorf("matchDigest(entry %d) = %d, %v", i, got, ok)
		}
	}
	sum := sha256.Sum256([]byte{9})
	if _, ok := matchDigest(&sum, set); ok {
		t.Error("matchDigest matched an absent digest")
	}
	if _, ok := matchDigest(&sum, nil); ok {
		t.Error("matchDigest matched in an empty set")
	}
}

func TestBasic(t *testing.T) {
	creds := []Credential{
		{ID: "oncall", Username: "oncall", Password: "p4ss:w0rd-with-colon"},
		{ID: "oncall-next", Username: "oncall", Password: "n3xt-passw0rd"},
		{ID: "datadog", Username: "datadog", Password: "dd-Pa55word!"},
	}
	v, err := Basic("oncall", creds, WithMaxHeaderLen(128))
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"p4ss:w0rd-with-colon", "n3xt-passw0rd", "dd-Pa55word!"}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	ok := basicValue("oncall", "p4ss:w0rd-with-colon")
	runAuthCases(t, v, "oncall", secrets, []authCase{
		{name: "ok, first credential (password holds a colon)", header: authHeader("Authorization", ok), wantID: "oncall"},
		{name: "ok, rotation: same user, next password", header: authHeader("Authorization", basicValue("oncall", "n3xt-passw0rd")), wantID: "oncall-next"},
		{name: "ok, another user", header: authHeader("Authorization", basicValue("datadog", "dd-Pa55word!")), wantID: "datadog"},
		{name: "ok, scheme in lower case", header: authHeader("Authorization", "basic "+b64("datadog:dd-Pa55word!")), wantID: "datadog"},
		{name: "ok, scheme in upper case, several spaces", header: authHeader("Authorization", "BASIC   "+b64("datadog:dd-Pa55word!")), wantID: "datadog"},
		{name: "nok, right user, wrong password", header: authHeader("Authorization", basicValue("oncall", "p4ss:w0rd-with-colom")), wantMsg: "match no configured user name and password (3 tried)"},
		{name: "nok, wrong user, right password", header: authHeader("Authorization", basicValue("oncal1", "p4ss:w0rd-with-colon")), wantMsg: "match no configured user name and password"},
		{name: "nok, user of one credential with the password of another", header: authHeader("Authorization", basicValue("oncall", "dd-Pa55word!")), wantMsg: "match no configured"},
		{name: "nok, password one byte shorter", header: authHeader("Authorization", basicValue("datadog", "dd-Pa55word")), wantMsg: "match no configured"},
		{name: "nok, password one byte longer", header: authHeader("Authorization", basicValue("datadog", "dd-Pa55word!!")), wantMsg: "match no configured"},
		{name: "nok, user name case differs", header: authHeader("Authorization", basicValue("Datadog", "dd-Pa55word!")), wantMsg: "match no configured"},
		{name: "nok, colon moved (user:pa:ss split differently)", header: authHeader("Authorization", "Basic "+b64("oncall:p4ss:w0rd-with-colon:")), wantMsg: "match no configured"},
		{name: "nok, empty user and password", header: authHeader("Authorization", "Basic "+b64(":")), wantMsg: "match no configured"},
		{name: "nok, missing header", header: authHeader("X-Hook-Token", ok), wantMsg: "header Authorization is missing or empty"},
		{name: "nok, empty header", header: authHeader("Authorization", ""), wantMsg: "missing or empty"},
		{name: "nok, repeated header", header: authHeader("Authorization", ok, "Authorization", ok), wantMsg: "sent more than once"},
		{name: "nok, overlong header", header: authHeader("Authorization", "Basic "+b64(strings.Repeat("u", 100)+":p")), wantMsg: "longer than 128 bytes"},
		{name: "nok, wrong scheme", header: authHeader("Authorization", "Bearer "+b64("oncall:p4ss:w0rd-with-colon")), wantMsg: "not Basic"},
		{name: "nok, verbatim secret where the scheme belongs", header: authHeader("Authorization", "p4ss:w0rd-with-colon"), wantMsg: "not Basic"},
		{name: "nok, no space after the scheme", header: authHeader("Authorization", "Basic"+b64("datadog:dd-Pa55word!")), wantMsg: "not Basic"},
		{name: "nok, tab after the scheme", header: authHeader("Authorization", "Basic\t"+b64("datadog:dd-Pa55word!")), wantMsg: "not Basic"},
		{name: "nok, scheme alone", header: authHeader("Authorization", "Basic"), wantMsg: "Basic with no credentials"},
		{name: "nok, scheme and spaces", header: authHeader("Authorization", "Basic    "), wantMsg: "Basic with no credentials"},
		{name: "nok, not base64", header: authHeader("Authorization", "Basic !!not*base64!!"), wantMsg: "not valid base64"},
		{name: "nok, base64 without padding", header: authHeader("Authorization", "Basic "+strings.TrimRight(b64("datadog:dd-Pa55word!"), "=")), wantMsg: "not valid base64"},
		{name: "nok, URL-safe base64", header: authHeader("Authorization", "Basic "+base64.URLEncoding.EncodeToString([]byte("datadog:dd-Pa55word?>"))), wantMsg: "not valid base64"},
		{name: "nok, space inside the base64", header: authHeader("Authorization", "Basic ZGF0 YWRvZzpkZC1QYTU1d29yZCE="), wantMsg: "not valid base64"},
		{name: "nok, line break inside the base64 (decoders skip it; found by FuzzParseBasic)", header: authHeader("Authorization", "Basic ZGF0YWRvZzpkZC1Q\nYTU1d29yZCE="), wantMsg: "not valid base64"},
		{name: "nok, no colon", header: authHeader("Authorization", "Basic "+b64("datadogdd-Pa55word!")), wantMsg: "no ':' between user name and password"},
	})
}

func TestBasicFailsClosed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		creds []Credential
		opts  []Option
		want  error
	}{
		{"no credentials", nil, nil, ErrNoSecret},
		{"empty password", []Credential{{ID: "a", Username: "u"}}, nil, ErrNoSecret},
		{"blank password", []Credential{{ID: "a", Username: "u", Password: " "}}, nil, ErrNoSecret},
		{"password with a trailing newline", []Credential{{ID: "a", Username: "u", Password: "pw-123456\n"}}, nil, ErrInvalidConfig},
		{"blank user name", []Credential{{ID: "a", Username: " ", Password: "pw-123456"}}, nil, ErrInvalidConfig},
		{"user name with a control character", []Credential{{ID: "a", Username: "u\x01", Password: "pw-123456"}}, nil, ErrInvalidConfig},
		{"empty user name", []Credential{{ID: "a", Password: "pw-123456"}}, nil, ErrInvalidConfig},
		{"colon in user name", []Credential{{ID: "a", Username: "u:v", Password: "pw-123456"}}, nil, ErrInvalidConfig},
		{"missing ID", []Credential{{Username: "u", Password: "pw-123456"}}, nil, ErrInvalidConfig},
		{"repeated ID", []Credential{{ID: "a", Username: "u", Password: "pw-123456"}, {ID: "a", Username: "v", Password: "pw-654321"}}, nil, ErrInvalidConfig},
		{"longer than the header bound", []Credential{{ID: "a", Username: "user", Password: "password"}}, []Option{WithMaxHeaderLen(16)}, ErrInvalidConfig},
		{"bad option", []Credential{{ID: "a", Username: "u", Password: "pw-123456"}}, []Option{WithMaxHeaderLen(-1)}, ErrInvalidConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Basic("oncall", tc.creds, tc.opts...)
			if !errors.Is(err, tc.want) || v != nil {
				t.Fatalf("Basic() = %v, %v; want error %v", v, err, tc.want)
			}
			for _, c := range tc.creds {
				if len(c.Password) >= 4 && strings.Contains(err.Error(), c.Password) {
					t.Errorf("err = %q quotes a password", err)
				}
			}
		})
	}
	if _, err := Basic("", []Credential{{ID: "a", Username: "u", Password: "pw-123456"}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("empty provider: err = %v, want ErrInvalidConfig", err)
	}
}

// basicErrorTexts are every message parseBasic can return: fixed strings,
// so no part of the presented value can ever be echoed.
var basicErrorTexts = map[string]bool{
	`verify: unauthorized: Authorization header is not Basic (want "Basic <base64 of user:password>")`: true,
	`verify: unauthorized: Authorization header is Basic with no credentials`:                          true,
	`verify: unauthorized: Basic credentials are not valid base64 (want standard base64 with padding)`: true,
	`verify: unauthorized: Basic credentials have no ':' between user name and password`:               true,
}

func FuzzParseBasic(f *testing.F) {
	for _, s := range []string{
		basicValue("oncall", "p4ss:w0rd"), basicValue("", ""), basicValue("u", ""),
		"basic dTpw", "BASIC    dTpw", "Basic", "Basic ", "Basic\tdTpw", "Basicdtpw", "Bearer x.y.z",
		"Basic dTpw=", "Basic dTp", "Basic !!!!", "Basic " + strings.Repeat("A", 400), "Basic ZGF0YWRvZw==",
		"Basic dTpw dTpw", "\x00", "Basic \xff\xfe", "Basic 6Zu7OuOBgg==",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		user, pass, err := parseBasic(value)
		if err != nil {
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("err = %v does not wrap ErrUnauthorized", err)
			}
			if !basicErrorTexts[err.Error()] {
				t.Fatalf("unexpected error text %q", err)
			}
			if user != "" || pass != "" {
				t.Fatalf("error with credentials %q %q", user, pass)
			}
			return
		}
		if strings.Contains(user, ":") {
			t.Fatalf("user name %q holds ':'", user)
		}
		if len(value) < len("Basic ") || !strings.EqualFold(value[:5], "Basic") || value[5] != ' ' {
			t.Fatalf("accepted %q, which is not the Basic scheme", value)
		}
		// What was accepted round-trips: encoding it again parses the same.
		u2, p2, err := parseBasic(basicValue(user, pass))
		if err != nil || u2 != user || p2 != pass {
			t.Fatalf("round trip of %q: %q %q %v", value, u2, p2, err)
		}
		if enc := strings.TrimLeft(value[6:], " "); enc != base64.StdEncoding.EncodeToString([]byte(user+":"+pass)) {
			t.Fatalf("accepted non-canonical base64 %q", enc)
		}
	})
}

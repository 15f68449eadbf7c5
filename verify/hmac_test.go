package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

var (
	testNow    = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	testSecret = "hookseal-test-secret"
	otherSec   = "some-other-secret"
	whsecKey   = []byte("hookseal-standard-webhooks-key-32")
	whsecTest  = "whsec_" + base64.StdEncoding.EncodeToString(whsecKey)
	whsecOther = "whsec_" + base64.StdEncoding.EncodeToString([]byte("another-standard-webhooks-key-32"))
)

const checklyBody = `{"alert_type":"ALERT_FAILURE","check_id":"4b1c","check_name":"My API check","started_at":"2026-11-23T07:59:58.000Z"}`

func statusStackBody(ts string) string {
	return `{"event":"component.status_changed","timestamp":"` + ts + `","component":{"id":"comp_1","current_status":"critical"}}`
}

func macHex(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func macB64(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

type hmacCase struct {
	name    string
	scheme  Scheme
	secrets []string
	header  http.Header
	body    string
	wantErr error  // nil: must verify and be fresh
	wantID  string // SecretID on success
	opts    []Option
	window  Window // zero: DefaultWindow, judged at testNow
}

func runHMACCases(t *testing.T, cases []hmacCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secrets := tc.secrets
			if secrets == nil {
				secrets = []string{testSecret}
			}
			v, err := HMAC(tc.scheme, Secrets(secrets...), tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.window
			if w == (Window{}) {
				w = DefaultWindow()
			}
			d, err := v.Verify(tc.header, []byte(tc.body))
			stale := errors.Is(tc.wantErr, ErrTooOld) || errors.Is(tc.wantErr, ErrTooNew)
			if err == nil {
				// Authentic: the verifier reports a credential and a key, and
				// freshness is the window's to judge.
				want := tc.wantID
				if want == "" {
					want = "s1"
				}
				if d.SecretID != want || d.Key.IsZero() || len(d.Scope) != 16 {
					t.Fatalf("delivery = %+v, want one authenticated by %s with a key and a scope", d, want)
				}
				err = w.Check(d.Timestamp, testNow)
			} else if stale {
				t.Fatalf("verify err = %v; want an authentic delivery that the window finds %v", err, tc.wantErr)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if !stale && (d.SecretID != "" || !d.Key.IsZero() || d.Scope != "") {
				t.Errorf("failed delivery leaks state: %+v", d)
			}
			assertNoSecretInError(t, err, secrets, tc.header, tc.body, tc.scheme)
		})
	}
}

// assertNoSecretInError checks an error names neither a secret nor the
// signature that secret would have produced.
func assertNoSecretInError(t *testing.T, err error, secrets []string, h http.Header, body string, s Scheme) {
	t.Helper()
	msg := err.Error()
	for _, sec := range secrets {
		if strings.Contains(msg, sec) {
			t.Fatalf("error %q contains a secret", msg)
		}
		if want := macHex(sec, body); strings.Contains(strings.ToLower(msg), want) {
			t.Fatalf("error %q contains the expected signature", msg)
		}
	}
	for _, vals := range h {
		for _, v := range vals {
			if len(v) >= 16 && strings.Contains(msg, v) {
				t.Fatalf("error %q echoes a header value", msg)
			}
		}
	}
}

func TestChecklyVerify(t *testing.T) {
	sig := macHex(testSecret, checklyBody)
	ts := "1795420790" // 2026-11-23T07:59:50Z, 10 s before testNow
	base := func(kv ...string) http.Header {
		h := hdr("X-Checkly-Signature", sig, "X-Checkly-Timestamp", ts)
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				h.Del(kv[i])
				continue
			}
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	cs := ChecklyScheme()
	runHMACCases(t, []hmacCase{
		{name: "ok", scheme: cs, header: base(), body: checklyBody},
		{name: "ok, uppercase hex", scheme: cs, header: base("X-Checkly-Signature", strings.ToUpper(sig)), body: checklyBody},
		{name: "ok, mixed-case hex", scheme: cs, header: base("X-Checkly-Signature", strings.ToUpper(sig[:10])+sig[10:]), body: checklyBody},
		{name: "ok, lowercase header names as a hand-built map", scheme: cs, header: http.Header{"x-checkly-signature": {sig}, "x-checkly-timestamp": {ts}}, body: checklyBody},
		{name: "ok, surrounding whitespace trimmed", scheme: cs, header: base("X-Checkly-Signature", " \t"+sig+" "), body: checklyBody},
		{name: "ok, millisecond timestamp", scheme: cs, header: base("X-Checkly-Timestamp", ts+"123"), body: checklyBody},
		{name: "ok, RFC 3339 timestamp", scheme: cs, header: base("X-Checkly-Timestamp", "2026-11-23T07:59:50.000Z"), body: checklyBody},
		{name: "ok, RFC 3339 timestamp with offset", scheme: cs, header: base("X-Checkly-Timestamp", "2026-11-23T08:59:50+01:00"), body: checklyBody},
		{name: "ok, second secret of two (rotation)", scheme: cs, secrets: []string{otherSec, testSecret}, header: base(), body: checklyBody, wantID: "s2"},
		{name: "ok, empty body signed", scheme: cs, header: base("X-Checkly-Signature", macHex(testSecret, "")), body: ""},

		{name: "nok, missing signature", scheme: cs, header: base("X-Checkly-Signature", ""), body: checklyBody, wantErr: ErrMissingSignature},
		{name: "nok, empty signature", scheme: cs, header: hdr("X-Checkly-Signature", "", "X-Checkly-Timestamp", ts), body: checklyBody, wantErr: ErrMissingSignature},
		{name: "nok, whitespace-only signature", scheme: cs, header: base("X-Checkly-Signature", "   "), body: checklyBody, wantErr: ErrMissingSignature},
		{name: "nok, non-hex", scheme: cs, header: base("X-Checkly-Signature", "z"+sig[1:]), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, truncated", scheme: cs, header: base("X-Checkly-Signature", sig[:63]), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, wrong length (sha1-sized)", scheme: cs, header: base("X-Checkly-Signature", sig[:40]), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, extra byte", scheme: cs, header: base("X-Checkly-Signature", sig+"0"), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, inner whitespace", scheme: cs, header: base("X-Checkly-Signature", sig[:32]+" "+sig[32:]), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, sha256= prefix Checkly does not send", scheme: cs, header: base("X-Checkly-Signature", "sha256="+sig), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, base64 instead of hex", scheme: cs, header: base("X-Checkly-Signature", macB64([]byte(testSecret), checklyBody)), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, non-ASCII in header", scheme: cs, header: base("X-Checkly-Signature", "é"+sig[2:]), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, NUL in header", scheme: cs, header: base("X-Checkly-Signature", "\x00"+sig[1:]), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, header sent twice", scheme: cs, header: func() http.Header { h := base(); h.Add("X-Checkly-Signature", sig); return h }(), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, header twice under two spellings", scheme: cs, header: http.Header{"x-checkly-signature": {sig}, "X-CHECKLY-SIGNATURE": {sig}, "X-Checkly-Timestamp": {ts}}, body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, oversized header", scheme: cs, header: base("X-Checkly-Signature", strings.Repeat("a", 64<<10)), body: checklyBody, wantErr: ErrMalformedSignature},
		{name: "nok, wrong secret", scheme: cs, secrets: []string{otherSec}, header: base(), body: checklyBody, wantErr: ErrInvalidSignature},
		{name: "nok, body changed by one byte", scheme: cs, header: base(), body: strings.Replace(checklyBody, "FAILURE", "FAILURF", 1), wantErr: ErrInvalidSignature},
		{name: "nok, body re-serialised with spaces", scheme: cs, header: base(), body: strings.ReplaceAll(checklyBody, `":"`, `": "`), wantErr: ErrInvalidSignature},
		{name: "nok, body with a trailing newline", scheme: cs, header: base(), body: checklyBody + "\n", wantErr: ErrInvalidSignature},
		{name: "nok, signature of the empty body", scheme: cs, header: base("X-Checkly-Signature", macHex(testSecret, "")), body: checklyBody, wantErr: ErrInvalidSignature},

		{name: "nok, timestamp missing", scheme: cs, header: base("X-Checkly-Timestamp", ""), body: checklyBody, wantErr: ErrMissingTimestamp},
		{name: "nok, timestamp non-numeric", scheme: cs, header: base("X-Checkly-Timestamp", "yesterday"), body: checklyBody, wantErr: ErrMalformedTimestamp},
		{name: "nok, timestamp negative", scheme: cs, header: base("X-Checkly-Timestamp", "-1795420790"), body: checklyBody, wantErr: ErrMalformedTimestamp},
		{name: "nok, timestamp overflows int64", scheme: cs, header: base("X-Checkly-Timestamp", "99999999999999999999"), body: checklyBody, wantErr: ErrMalformedTimestamp},
		{name: "nok, timestamp 12 digits is milliseconds (1975)", scheme: cs, header: base("X-Checkly-Timestamp", "179542079000"), body: checklyBody, wantErr: ErrTooOld},
		{name: "nok, timestamp with a plus sign", scheme: cs, header: base("X-Checkly-Timestamp", "+1795420790"), body: checklyBody, wantErr: ErrMalformedTimestamp},
		{name: "nok, timestamp in year 9999", scheme: cs, header: base("X-Checkly-Timestamp", "9999-12-31T23:59:59Z"), body: checklyBody, wantErr: ErrTooNew},
		{name: "nok, timestamp oversized", scheme: cs, header: base("X-Checkly-Timestamp", strings.Repeat("1", 100)), body: checklyBody, wantErr: ErrMalformedTimestamp},
		{name: "nok, timestamp sent twice", scheme: cs, header: func() http.Header { h := base(); h.Add("X-Checkly-Timestamp", ts); return h }(), body: checklyBody, wantErr: ErrMalformedTimestamp},
		{name: "nok, stale retry (10 minutes late)", scheme: cs, header: base("X-Checkly-Timestamp", "1795420200"), body: checklyBody, wantErr: ErrTooOld},
		{name: "nok, far past (epoch)", scheme: cs, header: base("X-Checkly-Timestamp", "0"), body: checklyBody, wantErr: ErrTooOld},
		{name: "nok, far future", scheme: cs, header: base("X-Checkly-Timestamp", "4102444800"), body: checklyBody, wantErr: ErrTooNew},
		{name: "nok, two minutes ahead", scheme: cs, header: base("X-Checkly-Timestamp", "1795421000"), body: checklyBody, wantErr: ErrTooNew},
		{name: "ok, stale but window widened", scheme: cs, header: base("X-Checkly-Timestamp", "1795420200"), body: checklyBody, window: Window{MaxAge: time.Hour, MaxSkew: time.Minute}},
	})
}

func TestStatusStackVerify(t *testing.T) {
	ok := statusStackBody("2026-11-23T07:59:55Z")
	ss := StatusStackScheme()
	sign := func(body string) http.Header { return hdr("X-StatusStack-Signature", macHex(testSecret, body)) }
	runHMACCases(t, []hmacCase{
		{name: "ok", scheme: ss, header: sign(ok), body: ok},
		{name: "ok, timestamp after nested objects", scheme: ss, header: sign(`{"stack":{"timestamp":"x","a":[1,{"b":"}"}]},"timestamp":"2026-11-23T07:59:55Z"}`), body: `{"stack":{"timestamp":"x","a":[1,{"b":"}"}]},"timestamp":"2026-11-23T07:59:55Z"}`},
		{name: "ok, rotation", scheme: ss, secrets: []string{otherSec, testSecret}, header: sign(ok), body: ok, wantID: "s2"},
		{name: "nok, wrong secret", scheme: ss, secrets: []string{otherSec}, header: sign(ok), body: ok, wantErr: ErrInvalidSignature},
		{name: "nok, missing", scheme: ss, header: hdr(), body: ok, wantErr: ErrMissingSignature},
		{name: "nok, stale body timestamp", scheme: ss, header: sign(statusStackBody("2026-11-23T07:40:00Z")), body: statusStackBody("2026-11-23T07:40:00Z"), wantErr: ErrTooOld},
		{name: "nok, body timestamp far future", scheme: ss, header: sign(statusStackBody("2099-01-01T00:00:00Z")), body: statusStackBody("2099-01-01T00:00:00Z"), wantErr: ErrTooNew},
		{name: "nok, body without timestamp", scheme: ss, header: sign(`{"event":"monitor.down"}`), body: `{"event":"monitor.down"}`, wantErr: ErrMissingTimestamp},
		{name: "nok, body timestamp not RFC 3339", scheme: ss, header: sign(statusStackBody("1795420795")), body: statusStackBody("1795420795"), wantErr: ErrMalformedTimestamp},
		{name: "nok, body timestamp a number", scheme: ss, header: sign(`{"timestamp":1795420795}`), body: `{"timestamp":1795420795}`, wantErr: ErrMalformedTimestamp},
		{name: "nok, body timestamp twice", scheme: ss, header: sign(`{"timestamp":"2026-11-23T07:59:55Z","timestamp":"2026-11-23T07:59:56Z"}`), body: `{"timestamp":"2026-11-23T07:59:55Z","timestamp":"2026-11-23T07:59:56Z"}`, wantErr: ErrMalformedTimestamp},
		{name: "nok, body not an object", scheme: ss, header: sign(`["timestamp"]`), body: `["timestamp"]`, wantErr: ErrMalformedTimestamp},
	})

	t.Run("timestamp is reported as signed", func(t *testing.T) {
		v, _ := StatusStack(Secrets(testSecret))
		d, err := v.Verify(sign(ok), []byte(ok))
		if err != nil || !d.TimestampSigned || !d.Timestamp.Equal(testNow.Add(-5*time.Second)) {
			t.Fatalf("d=%+v err=%v", d, err)
		}
	})
}

func TestChecklyTimestampIsUnsigned(t *testing.T) {
	v, _ := Checkly(Secrets(testSecret))
	h := hdr("X-Checkly-Signature", macHex(testSecret, checklyBody), "X-Checkly-Timestamp", "1795420790")
	d, err := v.Verify(h, []byte(checklyBody))
	if err != nil || d.TimestampSigned || d.Timestamp.Unix() != 1795420790 {
		t.Fatalf("d=%+v err=%v", d, err)
	}
}

func TestGrafanaVerify(t *testing.T) {
	body := `{"receiver":"r","status":"firing","groupKey":"{}:{}"}`
	ts := "1795420790"
	timed := GrafanaAlertingScheme("X-Grafana-Alerting-Timestamp")
	runHMACCases(t, []hmacCase{
		{name: "ok, body only", scheme: GrafanaAlertingScheme(""), header: hdr("X-Grafana-Alerting-Signature", macHex(testSecret, body)), body: body},
		{name: "ok, timestamped", scheme: timed, header: hdr("X-Grafana-Alerting-Signature", macHex(testSecret, ts+":"+body), "X-Grafana-Alerting-Timestamp", ts), body: body},
		{name: "ok, custom signature header name", scheme: func() Scheme { s := GrafanaAlertingScheme(""); s.SignatureHeader = "X-My-Sig"; return s }(), header: hdr("X-My-Sig", macHex(testSecret, body)), body: body},
		{name: "nok, timestamped scheme, body-only signature", scheme: timed, header: hdr("X-Grafana-Alerting-Signature", macHex(testSecret, body), "X-Grafana-Alerting-Timestamp", ts), body: body, wantErr: ErrInvalidSignature},
		{name: "nok, timestamp header changed", scheme: timed, header: hdr("X-Grafana-Alerting-Signature", macHex(testSecret, ts+":"+body), "X-Grafana-Alerting-Timestamp", "1795420791"), body: body, wantErr: ErrInvalidSignature},
		{name: "nok, timestamp header missing", scheme: timed, header: hdr("X-Grafana-Alerting-Signature", macHex(testSecret, ts+":"+body)), body: body, wantErr: ErrMissingTimestamp},
		{name: "nok, signed but stale", scheme: timed, header: hdr("X-Grafana-Alerting-Signature", macHex(testSecret, "1795400000:"+body), "X-Grafana-Alerting-Timestamp", "1795400000"), body: body, wantErr: ErrTooOld},
		{name: "nok, signed non-numeric timestamp", scheme: timed, header: hdr("X-Grafana-Alerting-Signature", macHex(testSecret, "abc:"+body), "X-Grafana-Alerting-Timestamp", "abc"), body: body, wantErr: ErrMalformedTimestamp},
	})
}

func TestGitHubVerify(t *testing.T) {
	body := `{"action":"opened"}`
	sig := macHex(testSecret, body)
	gs := GitHubScheme()
	runHMACCases(t, []hmacCase{
		{name: "ok", scheme: gs, header: hdr("X-Hub-Signature-256", "sha256="+sig), body: body},
		{name: "ok, prefix in upper case", scheme: gs, header: hdr("X-Hub-Signature-256", "SHA256="+sig), body: body},
		{name: "nok, prefix missing", scheme: gs, header: hdr("X-Hub-Signature-256", sig), body: body, wantErr: ErrMalformedSignature},
		{name: "nok, sha1 prefix", scheme: gs, header: hdr("X-Hub-Signature-256", "sha1="+sig), body: body, wantErr: ErrMalformedSignature},
		{name: "nok, prefix only", scheme: gs, header: hdr("X-Hub-Signature-256", "sha256="), body: body, wantErr: ErrMalformedSignature},
		{name: "nok, wrong secret", scheme: gs, secrets: []string{otherSec}, header: hdr("X-Hub-Signature-256", "sha256="+sig), body: body, wantErr: ErrInvalidSignature},
	})
}

func TestStripeVerify(t *testing.T) {
	body := `{"id":"evt_1","type":"invoice.paid"}`
	ts := "1795420790"
	good := macHex(testSecret, ts+"."+body)
	other := macHex(otherSec, ts+"."+body)
	st := StripeScheme()
	runHMACCases(t, []hmacCase{
		{name: "ok", scheme: st, header: hdr("Stripe-Signature", "t="+ts+",v1="+good), body: body},
		{name: "ok, several signatures one valid", scheme: st, header: hdr("Stripe-Signature", "t="+ts+",v1="+other+",v1="+good+",v0="+other), body: body},
		{name: "ok, spaces after commas", scheme: st, header: hdr("Stripe-Signature", "t="+ts+", v1="+good), body: body},
		{name: "ok, rotation", scheme: st, secrets: []string{otherSec, testSecret}, header: hdr("Stripe-Signature", "t="+ts+",v1="+good), body: body, wantID: "s2"},
		{name: "nok, only v0", scheme: st, header: hdr("Stripe-Signature", "t="+ts+",v0="+good), body: body, wantErr: ErrMissingSignature},
		{name: "nok, no timestamp", scheme: st, header: hdr("Stripe-Signature", "v1="+good), body: body, wantErr: ErrMissingTimestamp},
		{name: "nok, timestamp twice", scheme: st, header: hdr("Stripe-Signature", "t="+ts+",t="+ts+",v1="+good), body: body, wantErr: ErrMalformedSignature},
		{name: "nok, timestamp changed", scheme: st, header: hdr("Stripe-Signature", "t=1795420791,v1="+good), body: body, wantErr: ErrInvalidSignature},
		{name: "nok, entry without =", scheme: st, header: hdr("Stripe-Signature", "t="+ts+",v1"+good), body: body, wantErr: ErrMalformedSignature},
		{name: "nok, all signatures wrong", scheme: st, header: hdr("Stripe-Signature", "t="+ts+",v1="+other+",v1="+other), body: body, wantErr: ErrInvalidSignature},
		{name: "nok, too many signatures", scheme: st, header: hdr("Stripe-Signature", "t="+ts+strings.Repeat(",v1="+other, maxSignatures+1)), body: body, wantErr: ErrMalformedSignature},
		{name: "nok, stale", scheme: st, header: hdr("Stripe-Signature", "t=1795400000,v1="+macHex(testSecret, "1795400000."+body)), body: body, wantErr: ErrTooOld},
		{name: "nok, year 2400", scheme: st, header: hdr("Stripe-Signature", "t=13569465600,v1="+macHex(testSecret, "13569465600."+body)), body: body, wantErr: ErrTooNew},
		{name: "nok, year 9999", scheme: st, header: hdr("Stripe-Signature", "t=253402300799,v1="+macHex(testSecret, "253402300799."+body)), body: body, wantErr: ErrTooNew},
		{name: "nok, timestamp past year 9999", scheme: st, header: hdr("Stripe-Signature", "t=9223372036854775807,v1="+macHex(testSecret, "9223372036854775807."+body)), body: body, wantErr: ErrMalformedTimestamp},
	})
}

func TestStandardWebhooksVerify(t *testing.T) {
	body := `{"type":"user.created"}`
	id, ts := "msg_1", "1795420790"
	good := macB64(whsecKey, id+"."+ts+"."+body)
	bad := macB64([]byte("another-standard-webhooks-key-32"), id+"."+ts+"."+body)
	sw := StandardWebhooksScheme()
	h := func(sig string) http.Header {
		return hdr("Webhook-Id", id, "Webhook-Timestamp", ts, "Webhook-Signature", sig)
	}
	runHMACCases(t, []hmacCase{
		{name: "ok", scheme: sw, secrets: []string{whsecTest}, header: h("v1," + good), body: body},
		{name: "ok, several signatures one valid", scheme: sw, secrets: []string{whsecTest}, header: h("v1," + bad + " v1a,xyz v1," + good), body: body},
		{name: "ok, rotation", scheme: sw, secrets: []string{whsecOther, whsecTest}, header: h("v1," + good), body: body, wantID: "s2"},
		{name: "ok, secret without whsec_ prefix", scheme: sw, secrets: []string{strings.TrimPrefix(whsecTest, "whsec_")}, header: h("v1," + good), body: body},
		{name: "nok, only v1a", scheme: sw, secrets: []string{whsecTest}, header: h("v1a," + good), body: body, wantErr: ErrMissingSignature},
		{name: "nok, hex instead of base64", scheme: sw, secrets: []string{whsecTest}, header: h("v1," + macHex(string(whsecKey), id+"."+ts+"."+body)), body: body, wantErr: ErrMalformedSignature},
		{name: "nok, base64 garbage", scheme: sw, secrets: []string{whsecTest}, header: h("v1," + strings.Repeat("!", 44)), body: body, wantErr: ErrMalformedSignature},
		// 44 characters with no padding decode to 33 bytes; found by fuzzing
		// when the decoder wrote past a 32-byte buffer.
		{name: "nok, 44 base64 characters without padding", scheme: sw, secrets: []string{whsecTest}, header: h("v1," + strings.Repeat("A", 44)), body: body, wantErr: ErrMalformedSignature},
		{name: "nok, entry without comma", scheme: sw, secrets: []string{whsecTest}, header: h("v1" + good), body: body, wantErr: ErrMalformedSignature},
		{name: "nok, id missing", scheme: sw, secrets: []string{whsecTest}, header: hdr("Webhook-Timestamp", ts, "Webhook-Signature", "v1,"+good), body: body, wantErr: ErrMissingSignature},
		{name: "nok, id changed", scheme: sw, secrets: []string{whsecTest}, header: hdr("Webhook-Id", "msg_2", "Webhook-Timestamp", ts, "Webhook-Signature", "v1,"+good), body: body, wantErr: ErrInvalidSignature},
		{name: "nok, timestamp missing", scheme: sw, secrets: []string{whsecTest}, header: hdr("Webhook-Id", id, "Webhook-Signature", "v1,"+good), body: body, wantErr: ErrMissingTimestamp},
		{name: "nok, wrong secret", scheme: sw, secrets: []string{whsecOther}, header: h("v1," + good), body: body, wantErr: ErrInvalidSignature},
	})
}

func TestDeliveryKey(t *testing.T) {
	ck, _ := Checkly(Secrets(testSecret))
	sig := macHex(testSecret, checklyBody)
	d1, err1 := ck.Verify(hdr("X-Checkly-Signature", sig, "X-Checkly-Timestamp", "1795420790"), []byte(checklyBody))
	// A retry: same body and signature, a later (unsigned) timestamp.
	d2, err2 := ck.Verify(hdr("X-Checkly-Signature", sig, "X-Checkly-Timestamp", "1795420799"), []byte(checklyBody))
	if err1 != nil || err2 != nil || d1.Key != d2.Key {
		t.Fatalf("a Checkly retry must keep its key: %v %v %s %s", err1, err2, d1.Key, d2.Key)
	}
	other := strings.Replace(checklyBody, "4b1c", "4b1d", 1)
	d3, _ := ck.Verify(hdr("X-Checkly-Signature", macHex(testSecret, other), "X-Checkly-Timestamp", "1795420790"), []byte(other))
	if d3.Key == d1.Key {
		t.Fatal("different bodies share a key")
	}

	// The same body under another provider name never shares a key.
	eu := ChecklyScheme()
	eu.Provider = "checkly-eu"
	ck2, _ := HMAC(eu, Secrets(testSecret))
	d4, _ := ck2.Verify(hdr("X-Checkly-Signature", sig, "X-Checkly-Timestamp", "1795420790"), []byte(checklyBody))
	if d4.Key == d1.Key || d4.Provider != "checkly-eu" {
		t.Fatalf("provider not mixed into the key: %+v", d4)
	}

	// A retry's key does not depend on which secret is listed first, and
	// the scope names the secret that matched.
	rot, _ := Checkly(Secrets(otherSec, testSecret))
	d5, _ := rot.Verify(hdr("X-Checkly-Signature", sig, "X-Checkly-Timestamp", "1795420790"), []byte(checklyBody))
	if d5.Key != d1.Key || d5.Scope != d1.Scope || d5.SecretID != "s2" {
		t.Fatalf("rotation changed the key or scope: %+v vs %+v", d5, d1)
	}

	// Stripe re-signs retries with a new t: the key must not change.
	body := `{"id":"evt_1"}`
	st, _ := Stripe(Secrets(testSecret))
	s1, _ := st.Verify(hdr("Stripe-Signature", "t=1795420790,v1="+macHex(testSecret, "1795420790."+body)), []byte(body))
	s2, _ := st.Verify(hdr("Stripe-Signature", "t=1795420795,v1="+macHex(testSecret, "1795420795."+body)), []byte(body))
	if s1.Key.IsZero() || s1.Key != s2.Key {
		t.Fatal("Stripe retry changed key")
	}

	// Standard Webhooks: the signed id is the key.
	sw, _ := StandardWebhooks(Secrets(whsecTest))
	mk := func(id, ts string) Delivery {
		d, err := sw.Verify(hdr("Webhook-Id", id, "Webhook-Timestamp", ts, "Webhook-Signature", "v1,"+macB64(whsecKey, id+"."+ts+"."+body)), []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if a, b := mk("msg_1", "1795420790"), mk("msg_1", "1795420795"); a.Key != b.Key || a.ID != "msg_1" {
		t.Fatal("same id, different key")
	}
	if a, b := mk("msg_1", "1795420790"), mk("msg_2", "1795420790"); a.Key == b.Key {
		t.Fatal("different ids share a key")
	}

	// The key reveals neither the MAC nor the body hash.
	if strings.Contains(d1.Key.String(), sig) || d1.Key.String() == macHex(testSecret, checklyBody) {
		t.Fatal("key exposes the signature")
	}
	if got := string(d1.Key.AppendHex([]byte("k:"))); got != "k:"+d1.Key.String() || len(d1.Key.String()) != 64 {
		t.Fatalf("AppendHex = %q", got)
	}
}

func TestHMACFailsClosed(t *testing.T) {
	cases := []struct {
		name    string
		scheme  Scheme
		secrets []Secret
		opts    []Option
		want    error
	}{
		{"no secrets", ChecklyScheme(), nil, nil, ErrNoSecret},
		{"empty secret", ChecklyScheme(), Secrets(""), nil, ErrNoSecret},
		{"blank secret", ChecklyScheme(), Secrets(" "), nil, ErrNoSecret},
		{"tab-only secret", ChecklyScheme(), Secrets("\t"), nil, ErrNoSecret},
		{"secret with a trailing newline", ChecklyScheme(), Secrets("s3cret-value\n"), nil, ErrInvalidConfig},
		{"secret with a Windows line end", ChecklyScheme(), Secrets("s3cret-value\r\n"), nil, ErrInvalidConfig},
		{"secret with a NUL", ChecklyScheme(), Secrets("s3cret\x00value"), nil, ErrInvalidConfig},
		{"secret with a DEL", ChecklyScheme(), Secrets("s3cret\x7fvalue"), nil, ErrInvalidConfig},
		{"secret with a leading space", ChecklyScheme(), Secrets(" s3cret-value"), nil, ErrInvalidConfig},
		{"secret with a trailing space", ChecklyScheme(), Secrets("s3cret-value "), nil, ErrInvalidConfig},
		{"blank Stripe secret", StripeScheme(), Secrets("  "), nil, ErrNoSecret},
		{"blank whsec secret", StandardWebhooksScheme(), Secrets(" "), nil, ErrNoSecret},
		{"whsec secret with a newline", StandardWebhooksScheme(), Secrets(whsecTest + "\n"), nil, ErrInvalidConfig},
		{"blank GitHub secret", GitHubScheme(), Secrets("\n"), nil, ErrNoSecret},
		{"blank StatusStack secret", StatusStackScheme(), Secrets(" "), nil, ErrNoSecret},
		{"blank Grafana secret", GrafanaAlertingScheme(""), Secrets(" "), nil, ErrNoSecret},
		{"one empty among good", ChecklyScheme(), Secrets("s3cret-value", ""), nil, ErrNoSecret},
		{"secret without id", ChecklyScheme(), []Secret{{Value: "s3cret-value"}}, nil, ErrInvalidConfig},
		{"duplicate ids", ChecklyScheme(), []Secret{{ID: "a", Value: "s3cret-value-x"}, {ID: "a", Value: "s3cret-value-y"}}, nil, ErrInvalidConfig},
		{"malformed whsec", StandardWebhooksScheme(), Secrets("whsec_not base64!"), nil, ErrInvalidConfig},
		{"empty whsec", StandardWebhooksScheme(), Secrets("whsec_"), nil, ErrInvalidConfig},
		{"unknown placeholder", Scheme{Provider: "x", SignatureHeader: "X-Sig", Signed: "{ts}.{body}"}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"no body placeholder", Scheme{Provider: "x", SignatureHeader: "X-Sig", Signed: "{timestamp}", TimestampHeader: "X-T"}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"body twice", Scheme{Provider: "x", SignatureHeader: "X-Sig", Signed: "{body}{body}"}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"unclosed brace", Scheme{Provider: "x", SignatureHeader: "X-Sig", Signed: "{body"}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"timestamp signed without source", Scheme{Provider: "x", SignatureHeader: "X-Sig", Signed: "{timestamp}.{body}"}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"id signed without header", Scheme{Provider: "x", SignatureHeader: "X-Sig", Signed: "{id}.{body}"}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"no provider", Scheme{SignatureHeader: "X-Sig"}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"bad header name", Scheme{Provider: "x", SignatureHeader: "X Sig"}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"list format without version", Scheme{Provider: "x", SignatureHeader: "X-Sig", Format: FormatVersioned}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"two timestamp sources", Scheme{Provider: "x", SignatureHeader: "X-Sig", TimestampHeader: "X-T", TimestampField: "ts"}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"required timestamp without source", Scheme{Provider: "x", SignatureHeader: "X-Sig", RequireTimestamp: true}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
		{"zero header bound", ChecklyScheme(), Secrets("s3cret-value"), []Option{WithMaxHeaderLen(0)}, ErrInvalidConfig},
		{"provider too long", Scheme{Provider: strings.Repeat("p", 65), SignatureHeader: "X-Sig"}, Secrets("s3cret-value"), nil, ErrInvalidConfig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := HMAC(tc.scheme, tc.secrets, tc.opts...)
			if !errors.Is(err, tc.want) || v != nil {
				t.Fatalf("HMAC = %v, %v; want %v", v, err, tc.want)
			}
			for _, s := range tc.secrets {
				if len(s.Value) >= 8 && strings.Contains(err.Error(), s.Value) { // shorter values ("whsec_") occur in the advice itself
					t.Fatalf("error %q contains the secret", err)
				}
			}
		})
	}
}

func TestCustomScheme(t *testing.T) {
	// A sender that base64-signs "<id>:<body>" with a prefix, built from
	// parts only: no code beyond the Scheme value.
	s := Scheme{
		Provider:        "acme",
		SignatureHeader: "X-Acme-Signature",
		Prefix:          "hmac-sha256 ",
		Encoding:        EncodingBase64,
		IDHeader:        "X-Acme-Delivery",
		Signed:          "{id}:{body}",
	}
	body := `{"ok":true}`
	h := hdr("X-Acme-Signature", "hmac-sha256 "+macB64([]byte(testSecret), "d-1:"+body), "X-Acme-Delivery", "d-1")
	v, err := HMAC(s, Secrets(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	d, err := v.Verify(h, []byte(body))
	if err != nil || d.ID != "d-1" || d.Provider != "acme" || !d.Timestamp.IsZero() {
		t.Fatalf("d=%+v err=%v", d, err)
	}
	signed, err := s.Sign([]byte(body), SignOptions{ID: "d-1"}, testSecret)
	if err != nil || signed.Get("X-Acme-Signature") != h.Get("X-Acme-Signature") {
		t.Fatalf("Sign = %v, %v", signed, err)
	}
}

func TestSignErrors(t *testing.T) {
	if _, err := ChecklyScheme().Sign([]byte("{}"), SignOptions{Timestamp: testNow}); !errors.Is(err, ErrNoSecret) {
		t.Errorf("no secret: %v", err)
	}
	if _, err := ChecklyScheme().Sign([]byte("{}"), SignOptions{Timestamp: testNow}, "a", "b"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("two secrets on a plain header: %v", err)
	}
	if _, err := StripeScheme().Sign([]byte("{}"), SignOptions{}, "a"); !errors.Is(err, ErrMissingTimestamp) {
		t.Errorf("Stripe without time: %v", err)
	}
	if _, err := StandardWebhooksScheme().Sign([]byte("{}"), SignOptions{Timestamp: testNow}, whsecTest); !errors.Is(err, ErrMissingSignature) {
		t.Errorf("Standard Webhooks without id: %v", err)
	}
}

func TestAnyOf(t *testing.T) {
	ck, _ := Checkly(Secrets(testSecret))
	gh, _ := GitHub(Secrets(otherSec))
	any, err := AnyOf(ck, gh)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"a":1}`
	d, err := any.Verify(hdr("X-Hub-Signature-256", "sha256="+macHex(otherSec, body)), []byte(body))
	if err != nil || d.Provider != "github" {
		t.Fatalf("second verifier: %+v %v", d, err)
	}
	// A delivery with an old time is authentic to the first verifier: AnyOf
	// returns it with its time, for the caller's window to judge.
	d, err = any.Verify(hdr("X-Checkly-Signature", macHex(testSecret, body), "X-Checkly-Timestamp", "1"), []byte(body))
	if err != nil || d.Provider != "checkly" || d.Timestamp.Unix() != 1 {
		t.Fatalf("old: %+v %v", d, err)
	}
	d, err = any.Verify(hdr(), []byte(body))
	if !errors.Is(err, ErrMissingSignature) || !d.Key.IsZero() || d.Provider != "checkly" {
		t.Fatalf("none: %+v %v", d, err)
	}
	if _, err := AnyOf(); !errors.Is(err, ErrNoSecret) {
		t.Fatal(err)
	}
	if _, err := AnyOf(ck, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
}

func TestVerifyAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts differ under coverage and the race detector")
	}
	body := []byte(strings.Repeat(checklyBody, 100))
	v, _ := Checkly(Secrets(otherSec, testSecret))
	h := hdr("X-Checkly-Signature", macHex(testSecret, string(body)), "X-Checkly-Timestamp", "1795420790")
	if _, err := v.Verify(h, body); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(200, func() { _, _ = v.Verify(h, body) }); n != 0 {
		t.Fatalf("Checkly Verify allocates %.1f times per call, want 0", n)
	}
}

package verify

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookseal/hookseal/verify/internal/header"
)

func FuzzParseSignatureHeader(f *testing.F) {
	sig := macHex(testSecret, "x")
	for _, s := range []string{
		sig, strings.ToUpper(sig), "sha256=" + sig, "t=1795420790,v1=" + sig + ",v1=" + sig,
		"t=1,v0=ab", "v1," + macB64(whsecKey, "x") + " v1a,zz", "", ",,,", "v1,", "t==", "=",
		strings.Repeat("v1="+sig+",", 20), "\x00\xff", "t=1,t=2,v1=" + sig,
		"v1," + strings.Repeat("A", 44),
	} {
		f.Add(s)
	}
	schemes := []Scheme{ChecklyScheme(), GitHubScheme(), StripeScheme(), StandardWebhooksScheme()}
	f.Fuzz(func(t *testing.T, value string) {
		for i := range schemes {
			s := &schemes[i]
			var ph parsedHeader
			err := parseSignatureHeader(value, s, &ph)
			if err != nil {
				if ph.list.n > maxSignatures {
					t.Fatalf("%s: %d signatures", s.Provider, ph.list.n)
				}
				continue
			}
			if ph.list.n < 1 || ph.list.n > maxSignatures {
				t.Fatalf("%s: parsed %d signatures from %q", s.Provider, ph.list.n, value)
			}
			if s.Format == FormatPlain {
				enc := value[len(s.Prefix):]
				if got := hex.EncodeToString(ph.list.sigs[0][:]); got != strings.ToLower(enc) {
					t.Fatalf("%s: decoded %s from %q", s.Provider, got, value)
				}
			}
		}
	})
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"1795420790", "1795420790123", "1795420790.5", "2026-11-23T07:59:50Z",
		"2026-11-23T08:59:50.123456789+01:00", "-1", "99999999999999999999", "", " 1 ", "1e9", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, format := range []TimestampFormat{TimestampUnixSeconds, TimestampLenient, TimestampRFC3339} {
			ts, err := ParseTimestamp(s, format)
			if err != nil {
				if !ts.IsZero() {
					t.Fatalf("error with a time: %v", ts)
				}
				continue
			}
			if ts.IsZero() {
				t.Fatalf("ParseTimestamp(%q, %d) gave the zero time without an error", s, format)
			}
			if format == TimestampUnixSeconds && ts.Unix() < 0 {
				t.Fatalf("negative Unix seconds from %q", s)
			}
		}
	})
}

func FuzzTopLevelString(f *testing.F) {
	for _, s := range []string{`{"timestamp":"a"}`, `{"a":{"timestamp":"b"},"timestamp":"c"}`, `{"a":[1,"]}",{}]}`,
		`{"timestamp":"a","timestamp":"b"}`, `[`, `{"a":"\"","timestamp":"t"}`, strings.Repeat("[", 1000),
		"{\"timestamp\":\"\x80\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		val, found, err := topLevelString(body, "timestamp")
		if err != nil {
			return
		}
		// The value judged is valid UTF-8: what a decoder that replaces
		// invalid bytes would see, and what is logged, is what was judged.
		if !utf8.ValidString(val) {
			t.Fatalf("value %q is not valid UTF-8", val)
		}
		// Where the reader succeeds, encoding/json sees the same member.
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return
		}
		raw, ok := m["timestamp"]
		if ok != found {
			t.Fatalf("found=%v, encoding/json found=%v in %q", found, ok, body)
		}
		if found {
			var want string
			if json.Unmarshal(raw, &want) != nil || want != val {
				t.Fatalf("value %q, encoding/json %s", val, raw)
			}
		}
	})
}

// FuzzVerify throws arbitrary headers and bodies at the Checkly and Stripe
// verifiers: nothing may panic, and nothing may verify unless it carries the
// signature the secret produces.
func FuzzVerify(f *testing.F) {
	f.Add(macHex(testSecret, checklyBody), "1795420790", []byte(checklyBody))
	f.Add("t=1795420790,v1="+macHex(testSecret, "1795420790."+checklyBody), "", []byte(checklyBody))
	f.Add("", "", []byte(""))
	ck, _ := Checkly(Secrets(testSecret))
	st, _ := Stripe(Secrets(testSecret))
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		h := http.Header{"X-Checkly-Signature": {sig}, "X-Checkly-Timestamp": {ts}, "Stripe-Signature": {sig}}
		if d, err := ck.Verify(h, body); err == nil || !d.Key.IsZero() {
			if !strings.EqualFold(header.TrimOWS(sig), macHex(testSecret, string(body))) {
				t.Fatalf("Checkly accepted signature %q", sig)
			}
		}
		if d, err := st.Verify(h, body); err == nil || !d.Key.IsZero() {
			var ph parsedHeader
			s := StripeScheme()
			if parseSignatureHeader(header.TrimOWS(sig), &s, &ph) != nil {
				t.Fatalf("Stripe accepted unparseable %q", sig)
			}
			if !strings.Contains(strings.ToLower(sig), macHex(testSecret, ph.timestamp+"."+string(body))) {
				t.Fatalf("Stripe accepted %q", sig)
			}
		}
	})
}

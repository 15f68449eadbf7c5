package verify

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
)

func TestPagerDuty(t *testing.T) {
	const secret = "pd-secret"
	v, err := PagerDuty(Secrets(secret, "pd-secret-old"))
	if err != nil {
		t.Fatal(err)
	}
	body := `{"event":{"id":"01ABC","event_type":"incident.resolved","occurred_at":"2025-11-23T08:00:00Z","data":{"id":"Q1","type":"incident"}}}`
	hdr := func(val string) http.Header { return http.Header{"X-Pagerduty-Signature": {val}} }
	good := "v1=" + macHex(secret, body)
	for _, tc := range []struct {
		name, body, header string
		want               error
		wantID             string
	}{
		{"ok, one entry", body, good, nil, "01ABC"},
		{"ok, the old secret's entry second", body, "v1=" + strings.Repeat("ab", 32) + ",v1=" + macHex("pd-secret-old", body), nil, "01ABC"},
		{"nok, bare hex without v1=", body, good[3:], ErrMalformedSignature, ""},
		{"ok, no event.id keeps the MAC key", `{"event":{"event_type":"pagey.ping"}}`, "v1=" + macHex(secret, `{"event":{"event_type":"pagey.ping"}}`), nil, ""},
		{"ok, event.id not a string", `{"event":{"id":7}}`, "v1=" + macHex(secret, `{"event":{"id":7}}`), nil, ""},
		{"ok, a body that is not JSON", `id=1`, "v1=" + macHex(secret, `id=1`), nil, ""},
		{"ok, event.id twice is not taken", `{"event":{"id":"a","id":"b"}}`, "v1=" + macHex(secret, `{"event":{"id":"a","id":"b"}}`), nil, ""},
		{"nok, no header", body, "", ErrMissingSignature, ""},
		{"nok, no v1 entry", body, "v0=" + macHex(secret, body), ErrMissingSignature, ""},
		{"ok, an entry without a key is skipped, not taken for a timestamp", body, "=1700000000," + good, nil, "01ABC"},
		{"nok, entry not key=value", body, "v1" + macHex(secret, body), ErrMalformedSignature, ""},
		{"nok, short hex", body, good[:40], ErrMalformedSignature, ""},
		{"nok, another secret", body, "v1=" + macHex("other", body), ErrInvalidSignature, ""},
		{"nok, body changed", strings.Replace(body, "resolved", "resolveD", 1), good, ErrInvalidSignature, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := hdr(tc.header)
			if tc.header == "" {
				h = http.Header{}
			}
			d, err := v.Verify(h, []byte(tc.body))
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err != nil {
				return
			}
			want := Delivery{Provider: ProviderPagerDuty, SecretID: d.SecretID, Scope: d.Scope, BodySigned: true, ID: tc.wantID}
			if tc.wantID != "" {
				want.Key = keyFromID(ProviderPagerDuty, d.Scope, tc.wantID)
			} else {
				want.Key = keyFromMAC(ProviderPagerDuty, d.Scope, mustHex(t, macHex(map[string]string{"s1": secret, "s2": "pd-secret-old"}[d.SecretID], tc.body)))
			}
			if d != want {
				t.Fatalf("delivery\n got %+v\nwant %+v", d, want)
			}
		})
	}
	// A retry written with other whitespace is the same delivery: the key
	// is the signed event.id, not the bytes.
	pretty := strings.ReplaceAll(body, ",", ", ")
	d1, err1 := v.Verify(hdr(good), []byte(body))
	d2, err2 := v.Verify(hdr("v1="+macHex(secret, pretty)), []byte(pretty))
	if err1 != nil || err2 != nil || d1.Key != d2.Key {
		t.Fatalf("retry re-serialised: %v %v, keys %v %v", err1, err2, d1.Key, d2.Key)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIDFieldConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Scheme)
	}{
		{"nok, IDField and IDHeader", func(s *Scheme) { s.IDHeader = "X-Id" }},
		{"nok, not a pointer", func(s *Scheme) { s.IDField = "event.id" }},
		{"nok, bad escape", func(s *Scheme) { s.IDField = "/event/~2" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := PagerDutyScheme()
			tc.edit(&s)
			if _, err := HMAC(s, Secrets("x")); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	toks, err := parsePointer("/a~1b/c~0d/")
	if err != nil || strings.Join(toks, "|") != "a/b|c~d|" {
		t.Fatalf("parsePointer = %q, %v", toks, err)
	}
}

func FuzzBodyString(f *testing.F) {
	for _, s := range []string{`{"event":{"id":"a"}}`, `{"event":{"id":"a","id":"b"}}`, `{"x":1,"event":{"y":[1,{"id":"z"}],"id":"\u00e9"}}`,
		`{"event":{"id":"a"}} x`, `{"event":"id"}`, `[`, `{"event":{"id":"a"},"event":{}}`, "{\"event\":{\"id\":\"\xff\"}}"} {
		f.Add([]byte(s))
	}
	path := []string{"event", "id"}
	f.Fuzz(func(t *testing.T, body []byte) {
		val, ok := bodyString(body, path)
		if !ok {
			if val != "" {
				t.Fatalf("value %q without ok", val)
			}
			return
		}
		// Where it finds a value, the decoders see the same one.
		var m struct {
			Event struct {
				ID string `json:"id"`
			} `json:"event"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("bodyString found %q in a body the decoder refuses: %v", val, err)
		}
		if m.Event.ID != val {
			t.Fatalf("bodyString %q, decoder %q", val, m.Event.ID)
		}
	})
}

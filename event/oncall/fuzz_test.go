package oncall

import (
	"bytes"
	stdjson "encoding/json"
	"reflect"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/hookseal/hookseal/event"
)

// marshal encodes deterministically (map order), as the fuzz properties
// compare bytes.
func marshal(t *testing.T, v any) []byte {
	t.Helper()
	out, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		t.Fatalf("marshal of a decoded %T: %v", v, err)
	}
	return out
}

// FuzzEvent decodes whole events. Properties: no panic; a body that decodes
// decodes the same twice, through encoding/json (v1) as through
// event.Decode, and re-encodes to bytes that decode and re-encode to the
// same bytes.
func FuzzEvent(f *testing.F) {
	for _, s := range readCaptured(f) {
		f.Add([]byte(s))
	}
	f.Add([]byte(eventBody(`{"type": "silence", "time": "2024-03-01T10:10:00.500000+00:00", "until": null, "user": {"id": "U"}}`)))
	f.Add([]byte(`{"event": {"type": "unresolve"}, "alert_group": {"id": "G", "labels": [{"key": {"id": "k", "name": "n"}, "value": "v"}, null]}, "alert_payload": ""}`))
	f.Add([]byte(`{"alert_group": null, "user": null, "integration": {"team": null, "labels": {}}, "responses": {"W": "x"}, "zz": [1]}`))
	f.Add([]byte(`{"Event": {"TYPE": "resolve"}, "alert_payload": [1, {"a": null}]}`))
	f.Add([]byte(`{"alert_group": {"last_alert": {"payload": {"x": 1}, "created_at": "2024-01-01T00:00:00+02:00"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var a Event
		if err := event.Decode("application/json", body, &a); err != nil {
			return
		}
		var b Event
		if err := event.Decode("application/json", bytes.Clone(body), &b); err != nil {
			t.Fatalf("second decode failed: %v", err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatal("two decodes of one body differ")
		}
		var v1 Event
		if err := stdjson.Unmarshal(body, &v1); err == nil && !reflect.DeepEqual(v1, a) {
			t.Fatalf("encoding/json decoded differently:\n%+v\n%+v", v1, a)
		}
		_ = a.EventType()
		_ = a.ResourceKey()
		_ = a.OccurredAt()

		m1 := marshal(t, &a)
		var c Event
		if err := event.Decode("application/json", m1, &c); err != nil {
			t.Fatalf("decoding the re-encoded event: %v\n%s", err, m1)
		}
		if m2 := marshal(t, &c); !bytes.Equal(m1, m2) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", m1, m2)
		}
		if a.EventType() != c.EventType() || a.ResourceKey() != c.ResourceKey() || !a.OccurredAt().Equal(c.OccurredAt()) {
			t.Fatalf("payload view changed after a round trip: %q %q %v / %q %q %v",
				a.EventType(), a.ResourceKey(), a.OccurredAt(), c.EventType(), c.ResourceKey(), c.OccurredAt())
		}
	})
}

// FuzzLabels decodes labels alone. Properties: no panic; labels that decode
// decode the same twice, and encode to bytes that decode to the same labels.
func FuzzLabels(f *testing.F) {
	for _, s := range []string{
		`{"severity": "critical", "team": "db"}`,
		`{"n": 1, "b": true, "z": null}`,
		`[{"key": {"id": "K", "name": "team"}, "value": {"id": "V", "name": "db"}}]`,
		`[{"key": "a", "value": "b"}, null, {"key": {"id": "x"}, "extra": [1]}]`,
		`[{"k\u0065y": "a", "value": {"name": 2, "color": "red"}}]`,
		`{}`, `[]`, `null`, `"x"`, `{"a": {}}`, `[1]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var a Labels
		if err := json.Unmarshal(in, &a); err != nil {
			return
		}
		var b Labels
		if err := json.Unmarshal(in, &b); err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("second decode: %#v, %v; first %#v", b, err, a)
		}
		m := marshal(t, a)
		var c Labels
		if err := json.Unmarshal(m, &c); err != nil {
			t.Fatalf("decoding the encoded labels %s: %v", m, err)
		}
		if !reflect.DeepEqual(a, c) {
			t.Fatalf("labels changed after a round trip through %s:\n%#v\n%#v", m, a, c)
		}
		for _, l := range a {
			if v, ok := a.Get(l.Key); !ok || v != a.Map()[l.Key] {
				t.Fatalf("Get(%q) = %q, %v; Map has %q", l.Key, v, ok, a.Map()[l.Key])
			}
		}
	})
}

// FuzzAlertPayload decodes alert_payload alone. Properties: no panic; ""
// and null are empty; any other value is kept byte for byte; encoding and
// decoding again gives the same JSON value (the encoder may drop whitespace
// and unneeded escapes, so values are compared in RFC 8785 canonical form).
func FuzzAlertPayload(f *testing.F) {
	for _, s := range []string{
		`{"alerts": [{"labels": {"a": "b"}}], "status": "firing"}`,
		`""`, `null`, ` "" `, `"text"`, `[1, 2]`, `12`, `{}`, `true`, `"\u0000"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var p AlertPayload
		if err := json.Unmarshal(in, &p); err != nil {
			return
		}
		trimmed := bytes.Trim(in, " \t\r\n")
		wantEmpty := string(trimmed) == `""` || string(trimmed) == "null"
		if p.IsEmpty() != wantEmpty {
			t.Fatalf("IsEmpty = %v for %q", p.IsEmpty(), in)
		}
		if !wantEmpty && !bytes.Equal(p.Raw(), trimmed) {
			t.Fatalf("Raw = %q, want %q", p.Raw(), trimmed)
		}
		m := marshal(t, p)
		var c AlertPayload
		if err := json.Unmarshal(m, &c); err != nil {
			t.Fatalf("decoding the encoded payload %s: %v", m, err)
		}
		if c.IsEmpty() != p.IsEmpty() {
			t.Fatalf("emptiness changed through %s", m)
		}
		if !p.IsEmpty() {
			want, got := p.Raw().Clone(), c.Raw().Clone()
			if err := want.Canonicalize(); err != nil {
				return // numbers beyond float64 have no canonical form
			}
			if err := got.Canonicalize(); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("payload changed through a round trip: %q -> %q (%v)", p.Raw(), c.Raw(), err)
			}
		}
	})
}

package grafana

import (
	"bytes"
	stdjson "encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/hookseal/hookseal/event"
)

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	out, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		t.Fatalf("marshal of a decoded %T: %v", v, err)
	}
	return out
}

// FuzzMessage decodes whole notifications. Properties: no panic; a body that
// decodes decodes the same twice, through encoding/json (v1) as through
// event.Decode, and re-encodes to bytes that decode and re-encode to the
// same bytes, with the same payload view.
func FuzzMessage(f *testing.F) {
	for _, s := range bodies(f) {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"status": "firing", "alerts": [null, {"startsAt": "2024-05-02T06:00:00.1+02:00", "endsAt": null, "values": {"A": "NaN"}}]}`))
	f.Add([]byte(`{"Status": "resolved", "GROUPKEY": "g", "orgId": 12, "alerts": []}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var a Message
		if err := event.Decode("application/json", body, &a); err != nil {
			return
		}
		var b Message
		if err := event.Decode("application/json", bytes.Clone(body), &b); err != nil || !equalMessages(&a, &b) {
			t.Fatalf("second decode differs: %v", err)
		}
		var v1 Message
		if err := stdjson.Unmarshal(body, &v1); err == nil && !equalMessages(&v1, &a) {
			t.Fatalf("encoding/json decoded differently:\n%+v\n%+v", v1, a)
		}
		m1 := marshal(t, &a)
		var c Message
		if err := event.Decode("application/json", m1, &c); err != nil {
			t.Fatalf("decoding the re-encoded message: %v\n%s", err, m1)
		}
		if m2 := marshal(t, &c); !bytes.Equal(m1, m2) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", m1, m2)
		}
		if a.EventType() != c.EventType() || a.ResourceKey() != c.ResourceKey() || !a.OccurredAt().Equal(c.OccurredAt()) {
			t.Fatalf("payload view changed after a round trip:\n%s", m1)
		}
	})
}

// FuzzValues decodes alert values alone. Properties: no panic; what decodes
// decodes the same twice and survives an encode/decode round trip (NaN
// stays NaN, infinities keep their sign).
func FuzzValues(f *testing.F) {
	for _, s := range []string{
		`{"A": 93.51847, "B": 1}`, `{"A": null}`, `{"A": "NaN", "B": "+Inf", "C": "-Infinity"}`,
		`{"A": "1e400", "B": 1e-400}`, `{"A": "0x1p-2"}`, `{}`, `null`, `{"A": true}`, `[1]`,
	} {
		f.Add([]byte(s))
	}
	same := func(x, y Values) bool {
		if len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for k, a := range x {
			b, ok := y[k]
			if !ok || math.IsNaN(a) != math.IsNaN(b) || (!math.IsNaN(a) && a != b) {
				return false
			}
		}
		return true
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var a Values
		if err := json.Unmarshal(in, &a); err != nil {
			return
		}
		var b Values
		if err := json.Unmarshal(in, &b); err != nil || !same(a, b) {
			t.Fatalf("second decode differs: %v %v (%v)", a, b, err)
		}
		m := marshal(t, a)
		var c Values
		if err := json.Unmarshal(m, &c); err != nil {
			t.Fatalf("decoding the encoded values %s: %v", m, err)
		}
		if !same(a, c) {
			t.Fatalf("values changed through %s: %v -> %v", m, a, c)
		}
		if reflect.TypeOf(c) != reflect.TypeOf(a) {
			t.Fatal("type changed")
		}
	})
}

package statusstack

import (
	"bytes"
	stdjson "encoding/json"
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

// FuzzEvent decodes whole events. Properties: no panic; a body that decodes
// decodes the same twice, through encoding/json (v1) as through
// event.Decode, and re-encodes to bytes that decode and re-encode to the
// same bytes, with the same payload view.
func FuzzEvent(f *testing.F) {
	for _, s := range bodies(f) {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"event": "incident.updated", "incident": {"id": "i", "created_at": null, "title": "t"}, "stack": null}`))
	f.Add([]byte(`{"event": "x.y", "component": {"id": "c"}, "monitor": {"i\u0064": "m"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var a Event
		if err := event.Decode("application/json", body, &a); err != nil {
			return
		}
		var b Event
		if err := event.Decode("application/json", bytes.Clone(body), &b); err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("second decode differs: %v", err)
		}
		var v1 Event
		if err := stdjson.Unmarshal(body, &v1); err == nil && !reflect.DeepEqual(v1, a) {
			t.Fatalf("encoding/json decoded differently:\n%+v\n%+v", v1, a)
		}
		_, _ = a.IsDown(), a.IsRecovery()

		m1 := marshal(t, &a)
		var c Event
		if err := event.Decode("application/json", m1, &c); err != nil {
			t.Fatalf("decoding the re-encoded event: %v\n%s", err, m1)
		}
		if m2 := marshal(t, &c); !bytes.Equal(m1, m2) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", m1, m2)
		}
		if a.EventType() != c.EventType() || a.ResourceKey() != c.ResourceKey() || !a.OccurredAt().Equal(c.OccurredAt()) ||
			a.IsDown() != c.IsDown() || a.IsRecovery() != c.IsRecovery() {
			t.Fatalf("payload view changed after a round trip:\n%s", m1)
		}
	})
}

// FuzzLenientObjects decodes the hand-decoded monitor and maintenance
// objects alone. Properties: no panic; what decodes decodes the same twice
// and survives an encode/decode round trip with its fields and its unknown
// members.
func FuzzLenientObjects(f *testing.F) {
	for _, s := range []string{
		`{"id": "mon_1", "name": "n", "status": "down", "url": "https://x"}`,
		`{"id": 5, "status": {"code": 1}, "extra": [true]}`,
		`{"id": "m", "title": "t", "starts_at": "2025-01-20T02:00:00Z", "ends_at": "2025-01-20 04:00:00z"}`,
		`{"starts_at": "", "ends_at": null, "title": 3.5}`,
		`{"starts_at": 1737338400, "ends_at": "later"}`,
		`"mon_1"`, `12`, `null`, `[]`, `{}`, `{"\u0069d": "x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		check := func(a, b, c any) {
			if err := json.Unmarshal(in, a); err != nil {
				return
			}
			if err := json.Unmarshal(in, b); err != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("second decode of %T differs: %v", a, err)
			}
			m := marshal(t, a)
			if err := json.Unmarshal(m, c); err != nil {
				t.Fatalf("decoding the encoded %T %s: %v", a, m, err)
			}
			if m2 := marshal(t, c); !bytes.Equal(m, m2) {
				t.Fatalf("re-encoding of %T is not stable:\n%s\n%s", a, m, m2)
			}
		}
		check(new(Monitor), new(Monitor), new(Monitor))
		check(new(Maintenance), new(Maintenance), new(Maintenance))
	})
}

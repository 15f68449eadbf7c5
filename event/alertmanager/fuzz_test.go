package alertmanager

import (
	"bytes"
	stdjson "encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/hookseal/hookseal/event"
)

// FuzzMessage decodes whole notifications. Properties: no panic; a body that
// decodes decodes the same through encoding/json (v1) as through
// event.Decode, and re-encodes to bytes that decode and re-encode to the
// same bytes, with the same payload view.
func FuzzMessage(f *testing.F) {
	b, err := os.ReadFile("testdata/alertmanager_firing.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"status":"resolved","alerts":[null,{"status":"resolved","startsAt":"2024-05-02T06:00:00+02:00","endsAt":"2024-05-02T06:01:00Z","fingerprint":"x"}]}`))
	f.Add([]byte(`{"GROUPKEY":"g","Version":"4","truncatedAlerts":3,"alerts":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var a Message
		if err := event.Decode("application/json", body, &a); err != nil {
			return
		}
		var v1 Message
		if err := stdjson.Unmarshal(body, &v1); err == nil && !reflect.DeepEqual(fold(v1), fold(a)) {
			t.Fatalf("encoding/json decoded differently:\n%+v\n%+v", v1, a)
		}
		m1, err := json.Marshal(&a, json.Deterministic(true))
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var c Message
		if err := event.Decode("application/json", m1, &c); err != nil {
			t.Fatalf("decoding the re-encoded message: %v\n%s", err, m1)
		}
		if m2, err := json.Marshal(&c, json.Deterministic(true)); err != nil || !bytes.Equal(m1, m2) {
			t.Fatalf("re-encoding is not stable (%v):\n%s\n%s", err, m1, m2)
		}
		if a.EventType() != c.EventType() || a.ResourceKey() != c.ResourceKey() || !a.OccurredAt().Equal(c.OccurredAt()) ||
			!reflect.DeepEqual(a.Fingerprints(), c.Fingerprints()) {
			t.Fatalf("payload view changed after a round trip:\n%s", m1)
		}
	})
}

// fold re-encodes a message for comparison: raw JSON kept in Unknown may
// differ in spacing only.
func fold(m Message) string {
	b, _ := json.Marshal(&m, json.Deterministic(true))
	return string(b)
}

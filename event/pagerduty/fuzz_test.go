package pagerduty

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/hookseal/hookseal/event"
)

// FuzzMessage decodes whole webhooks. Properties: no panic; a body that
// decodes re-encodes to bytes that decode and re-encode to the same bytes,
// with the same payload view.
func FuzzMessage(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"event":{"event_type":"incident.annotated","data":{"incident":{"id":"Q"},"type":"incident_note"}}}`))
	f.Add([]byte(`{"EVENT":{"ID":"x","occurred_at":"2020-10-02T18:45:22+02:00","data":null,"agent":null}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var a Message
		if err := event.Decode("application/json", body, &a); err != nil {
			return
		}
		m1, err := json.Marshal(&a, json.Deterministic(true))
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var b Message
		if err := event.Decode("application/json", m1, &b); err != nil {
			t.Fatalf("decoding the re-encoded message: %v\n%s", err, m1)
		}
		m2, err := json.Marshal(&b, json.Deterministic(true))
		if err != nil || !bytes.Equal(m1, m2) {
			t.Fatalf("re-encoding is not stable (%v):\n%s\n%s", err, m1, m2)
		}
		if a.EventType() != b.EventType() || a.ResourceKey() != b.ResourceKey() || !a.OccurredAt().Equal(b.OccurredAt()) ||
			a.EventID() != b.EventID() || a.IncidentID() != b.IncidentID() {
			t.Fatalf("payload view changed after a round trip:\n%s", m1)
		}
	})
}

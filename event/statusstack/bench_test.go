package statusstack

import (
	stdjson "encoding/json"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event"
)

// plainEvent is the floor: the same members decoded by encoding/json into
// plain types, with no leniency.
type plainEvent struct {
	Event     string    `json:"event"`
	Timestamp time.Time `json:"timestamp"`
	Stack     struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Slug string `json:"slug"`
	} `json:"stack"`
	Component *struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		PreviousStatus string `json:"previous_status"`
		CurrentStatus  string `json:"current_status"`
	} `json:"component"`
	Incident *struct {
		ID        string    `json:"id"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"incident"`
	Monitor *struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Status string `json:"status"`
		URL    string `json:"url"`
	} `json:"monitor"`
	Maintenance *struct {
		ID       string    `json:"id"`
		Title    string    `json:"title"`
		StartsAt time.Time `json:"starts_at"`
		EndsAt   time.Time `json:"ends_at"`
	} `json:"maintenance"`
}

const monitorDown = `{"event": "monitor.down", "timestamp": "2025-01-19T10:30:00Z",
 "stack": {"id": "stack_abc123", "name": "Production Infrastructure", "slug": "production"},
 "monitor": {"id": "mon_42", "name": "API health", "status": "down", "url": "https://api.example.com/health"},
 "component": {"id": "comp_xyz789", "name": "Production API", "previous_status": "operational", "current_status": "critical"},
 "incident": {"id": "inc_123", "created_at": "2025-01-19T10:30:00Z"}}`

func BenchmarkDecode(b *testing.B) {
	for _, bb := range []struct {
		name string
		body []byte
	}{
		{"component_status_changed", []byte(documented(b))},
		{"monitor_down", []byte(monitorDown)},
	} {
		b.Run(bb.name+"/hookseal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				var e Event
				if err := event.Decode("application/json", bb.body, &e); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bb.name+"/encoding_json_floor", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				var e plainEvent
				if err := stdjson.Unmarshal(bb.body, &e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestBenchBodies(t *testing.T) {
	e := decode(t, monitorDown)
	var p plainEvent
	if err := stdjson.Unmarshal([]byte(monitorDown), &p); err != nil || p.Monitor == nil || p.Monitor.ID != e.Monitor.ID || e.ResourceKey() != "monitor:mon_42" {
		t.Errorf("floor %+v %v; hookseal %q", p.Monitor, err, e.ResourceKey())
	}
}

package statusstack

import (
	"bytes"
	stdjson "encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

func decode(t testing.TB, body string) *Event {
	t.Helper()
	var e Event
	if err := event.Decode("application/json", []byte(body), &e); err != nil {
		t.Fatalf("decode: %v\nbody: %s", err, body)
	}
	return &e
}

func documented(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "component_status_changed.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDocumentedBody decodes the one body StatusStack publishes, verbatim.
func TestDocumentedBody(t *testing.T) {
	e := decode(t, documented(t))
	at := time.Date(2025, 1, 19, 10, 30, 0, 0, time.UTC)
	if e.Event != ComponentStatusChanged || e.EventType() != "component.status_changed" || !e.Timestamp.Equal(at) {
		t.Errorf("event %q timestamp %v", e.Event, e.Timestamp)
	}
	if e.Stack.ID != "stack_abc123" || e.Stack.Name != "Production Infrastructure" || e.Stack.Slug != "production" {
		t.Errorf("stack = %+v", e.Stack)
	}
	c := e.Component
	if c == nil || c.ID != "comp_xyz789" || c.Name != "Production API" || c.PreviousStatus != StatusOperational || c.CurrentStatus != StatusCritical {
		t.Errorf("component = %+v", c)
	}
	if e.Incident == nil || e.Incident.ID != "inc_123" || !e.Incident.CreatedAt.Equal(at) {
		t.Errorf("incident = %+v", e.Incident)
	}
	if e.Monitor != nil || e.Maintenance != nil || e.Unknown != nil || c.Unknown != nil || e.Stack.Unknown != nil {
		t.Errorf("unexpected members: %+v", e)
	}
	if e.ResourceKey() != "component:comp_xyz789" || !e.OccurredAt().Equal(at) {
		t.Errorf("ResourceKey %q OccurredAt %v", e.ResourceKey(), e.OccurredAt())
	}
	if !e.IsDown() || e.IsRecovery() {
		t.Errorf("IsDown %v IsRecovery %v", e.IsDown(), e.IsRecovery())
	}
}

const stack = `"stack": {"id": "stack_abc123", "name": "Production Infrastructure", "slug": "production"}`

func TestEventTypes(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		typ      string
		key      string
		down     bool
		recovery bool
	}{
		{"component to critical",
			`{"event": "component.status_changed", "timestamp": "2025-01-19T10:30:00Z", ` + stack + `,
			  "component": {"id": "comp_1", "name": "API", "previous_status": "degraded", "current_status": "critical"}}`,
			ComponentStatusChanged, "component:comp_1", true, false},
		{"component to degraded is not down",
			`{"event": "component.status_changed", "timestamp": "2025-01-19T10:30:00Z", ` + stack + `,
			  "component": {"id": "comp_1", "previous_status": "operational", "current_status": "degraded"}}`,
			ComponentStatusChanged, "component:comp_1", false, false},
		{"critical to critical is not a new down",
			`{"event": "component.status_changed", "timestamp": "2025-01-19T10:30:00Z", ` + stack + `,
			  "component": {"id": "comp_1", "previous_status": "critical", "current_status": "critical"}}`,
			ComponentStatusChanged, "component:comp_1", false, false},
		{"critical to operational is a recovery",
			`{"event": "component.status_changed", "timestamp": "2025-01-19T10:40:00Z", ` + stack + `,
			  "component": {"id": "comp_1", "previous_status": "critical", "current_status": "operational"},
			  "incident": {"id": "inc_9", "created_at": "2025-01-19T10:30:00Z"}}`,
			ComponentStatusChanged, "component:comp_1", false, true},
		{"degraded to operational is a recovery",
			`{"event": "component.status_changed", "timestamp": "2025-01-19T10:40:00Z", ` + stack + `,
			  "component": {"id": "comp_1", "previous_status": "degraded", "current_status": "operational"}}`,
			ComponentStatusChanged, "component:comp_1", false, true},
		{"end of maintenance is not a recovery",
			`{"event": "component.status_changed", "timestamp": "2025-01-19T12:00:00Z", ` + stack + `,
			  "component": {"id": "comp_1", "previous_status": "maintenance", "current_status": "operational"}}`,
			ComponentStatusChanged, "component:comp_1", false, false},
		{"monitor.down keyed by the monitor, not its component",
			`{"event": "monitor.down", "timestamp": "2025-01-19T10:30:00Z", ` + stack + `,
			  "monitor": {"id": "mon_42", "name": "API health", "status": "down", "url": "https://api.example.com/health"},
			  "component": {"id": "comp_1", "name": "API", "previous_status": "operational", "current_status": "critical"}}`,
			MonitorDown, "monitor:mon_42", true, false},
		{"monitor.recovered",
			`{"event": "monitor.recovered", "timestamp": "2025-01-19T10:35:00Z", ` + stack + `,
			  "monitor": {"id": "mon_42", "name": "API health", "status": "up"}}`,
			MonitorRecovered, "monitor:mon_42", false, true},
		{"monitor.down without a monitor object: component",
			`{"event": "monitor.down", "timestamp": "2025-01-19T10:30:00Z", ` + stack + `,
			  "component": {"id": "comp_1", "current_status": "critical"}}`,
			MonitorDown, "component:comp_1", true, false},
		{"incident.created",
			`{"event": "incident.created", "timestamp": "2025-01-19T10:30:00Z", ` + stack + `,
			  "incident": {"id": "inc_123", "created_at": "2025-01-19T10:30:00Z", "title": "API outage", "status": "investigating"},
			  "component": {"id": "comp_1"}}`,
			IncidentCreated, "incident:inc_123", false, false},
		{"incident.updated",
			`{"event": "incident.updated", "timestamp": "2025-01-19T10:45:00Z", ` + stack + `,
			  "incident": {"id": "inc_123", "created_at": "2025-01-19T10:30:00Z", "status": "identified"}}`,
			IncidentUpdated, "incident:inc_123", false, false},
		{"incident.resolved is not a recovery",
			`{"event": "incident.resolved", "timestamp": "2025-01-19T11:00:00Z", ` + stack + `,
			  "incident": {"id": "inc_123", "created_at": "2025-01-19T10:30:00Z", "resolved_at": "2025-01-19T11:00:00Z"}}`,
			IncidentResolved, "incident:inc_123", false, false},
		{"maintenance.scheduled",
			`{"event": "maintenance.scheduled", "timestamp": "2025-01-18T09:00:00Z", ` + stack + `,
			  "maintenance": {"id": "mnt_7", "title": "DB upgrade", "starts_at": "2025-01-20T02:00:00Z", "ends_at": "2025-01-20T04:00:00Z"}}`,
			MaintenanceScheduled, "maintenance:mnt_7", false, false},
		{"unknown type of a known kind",
			`{"event": "component.deleted", "timestamp": "2025-01-19T10:30:00Z", ` + stack + `, "component": {"id": "comp_1"}, "incident": {"id": "inc_1"}}`,
			"component.deleted", "component:comp_1", false, false},
		{"unknown kind falls back to the first object",
			`{"event": "check.failed", "timestamp": "2025-01-19T10:30:00Z", ` + stack + `, "incident": {"id": "inc_1"}, "maintenance": {"id": "mnt_1"}}`,
			"check.failed", "incident:inc_1", false, false},
		{"unknown type without objects: no key",
			`{"event": "stack.renamed", "timestamp": "2025-01-19T10:30:00Z", ` + stack + `, "new_name": "Prod"}`,
			"stack.renamed", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decode(t, tt.body)
			if e.EventType() != tt.typ || e.ResourceKey() != tt.key {
				t.Errorf("EventType %q ResourceKey %q, want %q %q", e.EventType(), e.ResourceKey(), tt.typ, tt.key)
			}
			if e.IsDown() != tt.down || e.IsRecovery() != tt.recovery {
				t.Errorf("IsDown %v IsRecovery %v, want %v %v", e.IsDown(), e.IsRecovery(), tt.down, tt.recovery)
			}
			if e.OccurredAt().IsZero() || !e.OccurredAt().Equal(e.Timestamp) {
				t.Errorf("OccurredAt %v, Timestamp %v", e.OccurredAt(), e.Timestamp)
			}
			if e.Stack.ID != "stack_abc123" {
				t.Errorf("stack = %+v", e.Stack)
			}
		})
	}
}

func TestObjectsDecoded(t *testing.T) {
	e := decode(t, `{"event": "monitor.down", "timestamp": "2025-01-19T10:30:00Z",
	  "monitor": {"id": "mon_42", "name": "API health", "status": "down", "url": "https://api.example.com/health", "region": "eu", "checks": [1, 2]},
	  "maintenance": {"id": "mnt_7", "title": "DB upgrade", "starts_at": "2025-01-20T02:00:00Z", "ends_at": "2025-01-20T04:00:00.5+01:00", "impact": "minor"},
	  "incident": {"id": "inc_1", "created_at": "2025-01-19T10:29:00Z", "title": "API outage"}}`)
	m := e.Monitor
	if m == nil || m.ID != "mon_42" || m.Name != "API health" || m.Status != "down" || m.URL != "https://api.example.com/health" ||
		string(m.Unknown) != `{"region":"eu","checks":[1, 2]}` {
		t.Errorf("monitor = %+v (unknown %s)", m, m.Unknown)
	}
	mt := e.Maintenance
	if mt == nil || mt.ID != "mnt_7" || mt.Title != "DB upgrade" ||
		!mt.StartsAt.Equal(time.Date(2025, 1, 20, 2, 0, 0, 0, time.UTC)) ||
		!mt.EndsAt.Equal(time.Date(2025, 1, 20, 3, 0, 0, 5e8, time.UTC)) ||
		string(mt.Unknown) != `{"impact":"minor"}` {
		t.Errorf("maintenance = %+v (unknown %s)", mt, mt.Unknown)
	}
	if string(e.Incident.Unknown) != `{"title":"API outage"}` {
		t.Errorf("incident unknown = %s", e.Incident.Unknown)
	}
}

func TestMonitorLenientForms(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *Monitor
		unknown string
	}{
		{"object", `{"id": "mon_1", "name": "n", "status": "up", "url": "u"}`, &Monitor{ID: "mon_1", Name: "n", Status: "up", URL: "u"}, ``},
		{"bare string id", `"mon_1"`, &Monitor{ID: "mon_1"}, ``},
		{"bare number id", `1234`, &Monitor{ID: "1234"}, ``},
		{"null", `null`, nil, ``},
		{"numeric id and boolean status", `{"id": 99, "status": false}`, &Monitor{ID: "99", Status: "false"}, ``},
		{"null fields", `{"id": null, "name": null}`, &Monitor{}, ``},
		{"field of another shape kept raw", `{"id": "m", "status": {"code": "down", "since": 3}}`, &Monitor{ID: "m"}, `{"status":{"code": "down", "since": 3}}`},
		{"escaped names", `{"\u0069d": "m", "n\u0061me": "x"}`, &Monitor{ID: "m", Name: "x"}, ``},
		{"escaped values", `{"id": "m\u00e9", "url": "https:\/\/x"}`, &Monitor{ID: "mé", URL: "https://x"}, ``},
		{"empty object", `{}`, &Monitor{}, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decode(t, `{"event": "monitor.down", "monitor": `+tt.in+`}`)
			got := e.Monitor
			if (got == nil) != (tt.want == nil) {
				t.Fatalf("monitor = %+v, want %+v", got, tt.want)
			}
			if got == nil {
				return
			}
			if string(got.Unknown) != tt.unknown {
				t.Errorf("unknown = %s, want %s", got.Unknown, tt.unknown)
			}
			got.Unknown = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("monitor = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMaintenanceLenientTimes(t *testing.T) {
	at := time.Date(2025, 1, 20, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		startsAt string
		want     time.Time
		unknown  string
	}{
		{"RFC 3339", `"2025-01-20T02:00:00Z"`, at, ``},
		{"offset and fraction", `"2025-01-20T03:00:00.000000+01:00"`, at, ``},
		{"space separator", `"2025-01-20 02:00:00Z"`, at, ``},
		{"lower case t and z", `"2025-01-20t02:00:00z"`, at, ``},
		{"empty string", `""`, time.Time{}, ``},
		{"null", `null`, time.Time{}, ``},
		{"unix number kept raw", `1737338400`, time.Time{}, `{"starts_at":1737338400}`},
		{"unparseable kept raw", `"next tuesday"`, time.Time{}, `{"starts_at":"next tuesday"}`},
		{"object kept raw", `{"at": 1}`, time.Time{}, `{"starts_at":{"at": 1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decode(t, `{"event": "maintenance.scheduled", "maintenance": {"id": "mnt_1", "starts_at": `+tt.startsAt+`}}`)
			m := e.Maintenance
			if m == nil || m.ID != "mnt_1" || !m.StartsAt.Equal(tt.want) || m.StartsAt.IsZero() != tt.want.IsZero() || string(m.Unknown) != tt.unknown {
				t.Errorf("maintenance = %+v (unknown %s)", m, m.Unknown)
			}
		})
	}
	e := decode(t, `{"maintenance": "mnt_2"}`)
	if e.Maintenance == nil || e.Maintenance.ID != "mnt_2" || e.ResourceKey() != "maintenance:mnt_2" {
		t.Errorf("bare maintenance id: %+v %q", e.Maintenance, e.ResourceKey())
	}
}

func TestMissingAndNullObjects(t *testing.T) {
	for _, body := range []string{
		`{"event": "incident.created", "timestamp": "2025-01-19T10:30:00Z"}`,
		`{"event": "incident.created", "timestamp": "2025-01-19T10:30:00Z", "stack": null, "component": null, "incident": null, "monitor": null, "maintenance": null}`,
	} {
		e := decode(t, body)
		if e.Component != nil || e.Incident != nil || e.Monitor != nil || e.Maintenance != nil || e.Stack.ID != "" {
			t.Errorf("%s: objects not empty: %+v", body, e)
		}
		if e.ResourceKey() != "" || e.IsDown() || e.IsRecovery() || e.EventType() != IncidentCreated {
			t.Errorf("%s: key %q down %v recovery %v", body, e.ResourceKey(), e.IsDown(), e.IsRecovery())
		}
	}
	// A component with an empty id does not key the event.
	e := decode(t, `{"event": "component.status_changed", "component": {"name": "x"}, "incident": {"id": "inc_1"}}`)
	if e.ResourceKey() != "incident:inc_1" {
		t.Errorf("ResourceKey = %q", e.ResourceKey())
	}
	// Nulls inside the documented objects.
	e = decode(t, `{"event": null, "timestamp": null, "stack": {"id": null, "name": null, "slug": null},
	  "component": {"id": "c", "name": null, "previous_status": null, "current_status": null}, "incident": {"id": null, "created_at": null}}`)
	if e.Event != "" || !e.Timestamp.IsZero() || e.Component.ID != "c" || e.Component.CurrentStatus != "" || !e.Incident.CreatedAt.IsZero() {
		t.Errorf("nulls: %+v", e)
	}
}

func TestUnknownMembersReachable(t *testing.T) {
	e := decode(t, `{"event": "component.status_changed", "timestamp": "2025-01-19T10:30:00Z",
	  "stack": {"id": "s", "url": "https://status.example"},
	  "component": {"id": "c", "group": {"id": "g1"}},
	  "actor": {"type": "system"}, "attempt": 2}`)
	for _, c := range []struct {
		where string
		got   jsontext.Value
		want  map[string]any
	}{
		{"top level", e.Unknown, map[string]any{"actor": map[string]any{"type": "system"}, "attempt": 2.0}},
		{"stack", e.Stack.Unknown, map[string]any{"url": "https://status.example"}},
		{"component", e.Component.Unknown, map[string]any{"group": map[string]any{"id": "g1"}}},
	} {
		var got map[string]any
		if err := json.Unmarshal(c.got, &got); err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: unknown = %s (%v), want %v", c.where, c.got, err, c.want)
		}
	}
}

func TestBadJSONNamesTheField(t *testing.T) {
	tests := []struct {
		name string
		body string
		path string
	}{
		{"timestamp not a time", `{"event": "x", "timestamp": "19/01/2025"}`, "/timestamp"},
		{"timestamp a number", `{"timestamp": 1737282600}`, "/timestamp"},
		{"event a number", `{"event": 3}`, "/event"},
		{"stack id a number", `{"stack": {"id": 1}}`, "/stack/id"},
		{"component a string", `{"component": "comp_1"}`, "/component"},
		{"component status an object", `{"component": {"current_status": {"x": 1}}}`, "/component/current_status"},
		{"incident created_at bad", `{"incident": {"created_at": "soon"}}`, "/incident/created_at"},
		{"monitor an array", `{"monitor": ["mon_1"]}`, "/monitor"},
		{"maintenance a boolean", `{"maintenance": true}`, "/maintenance"},
		{"monitor not closed", `{"monitor": {"id": "m" "name": "x"}}`, "/monitor"},
		{"duplicate member", `{"event": "a", "event": "b"}`, "event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Event
			err := event.Decode("application/json", []byte(tt.body), &e)
			if err == nil || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %v does not name %s", err, tt.path)
			}
		})
	}
	for _, body := range []string{``, `[]`, `"x"`, `{"event": "a"} {}`, `{"event": "a"`} {
		var e Event
		if err := event.Decode("application/json", []byte(body), &e); err == nil {
			t.Errorf("no error for %q", body)
		}
	}
}

func TestDoesNotAliasBody(t *testing.T) {
	body := []byte(`{"monitor": {"id": "mon_1", "x": "keep"}, "maintenance": {"title": "t", "y": [1]}, "z": {"a": 1}}`)
	var e Event
	if err := event.Decode("application/json", body, &e); err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = ' '
	}
	if e.Monitor.ID != "mon_1" || string(e.Monitor.Unknown) != `{"x":"keep"}` || e.Maintenance.Title != "t" ||
		string(e.Maintenance.Unknown) != `{"y":[1]}` || string(e.Unknown) != `{"z":{"a": 1}}` {
		t.Errorf("decoded values changed with the body: %+v %+v %s", e.Monitor, e.Maintenance, e.Unknown)
	}
}

func bodies(t testing.TB) []string {
	return []string{
		documented(t),
		`{"event": "monitor.down", "timestamp": "2025-01-19T10:30:00.123+01:00", "monitor": {"id": 7, "status": {"x": 1}, "extra": null}, "zz": 1}`,
		`{"event": "maintenance.scheduled", "maintenance": {"id": "m", "starts_at": "2025-01-20 02:00:00Z", "ends_at": 17, "title": null}}`,
		`{"event": "monitor.recovered", "monitor": "mon_9", "maintenance": 12}`,
	}
}

func TestEncodingJSONMatchesDecode(t *testing.T) {
	for i, body := range bodies(t) {
		want := decode(t, body)
		var got Event
		if err := stdjson.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if !reflect.DeepEqual(&got, want) {
			t.Errorf("body %d: encoding/json gave %+v, event.Decode %+v", i, got, *want)
		}
		out, err := stdjson.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if again := decode(t, string(out)); !reflect.DeepEqual(normalize(again), normalize(want)) {
			t.Errorf("body %d: round trip through encoding/json: %s", i, out)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	for i, body := range bodies(t) {
		e := decode(t, body)
		out, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if again := decode(t, string(out)); !reflect.DeepEqual(normalize(again), normalize(e)) {
			t.Errorf("body %d: decode(marshal(e)) != e\n%s\n%+v\n%+v", i, out, *e, *again)
		}
	}
}

// normalize returns a deep copy of v with raw JSON compacted and times in
// UTC: what a marshal/unmarshal round trip may change.
func normalize[T any](v *T) *T {
	return normalizeValue(reflect.ValueOf(v)).Interface().(*T)
}

var timeType = reflect.TypeFor[time.Time]()

func normalizeValue(v reflect.Value) reflect.Value {
	switch {
	case v.Type() == timeType:
		return reflect.ValueOf(v.Interface().(time.Time).UTC())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		if v.IsNil() {
			return v
		}
		raw := jsontext.Value(bytes.Clone(v.Bytes()))
		if err := raw.Compact(); err != nil {
			panic(err)
		}
		return reflect.ValueOf(raw).Convert(v.Type())
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(normalizeValue(v.Elem()))
		return p
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			c.Field(i).Set(normalizeValue(v.Field(i)))
		}
		return c
	}
	return v
}

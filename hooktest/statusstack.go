package hooktest

import (
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event/statusstack"
)

// StatusStackEventTypes lists the event types StatusStack documents.
func StatusStackEventTypes() []string {
	return []string{
		statusstack.ComponentStatusChanged, statusstack.MonitorDown, statusstack.MonitorRecovered,
		statusstack.IncidentCreated, statusstack.IncidentUpdated, statusstack.IncidentResolved,
		statusstack.MaintenanceScheduled,
	}
}

// StatusStackEvent returns the notification StatusStack sends for
// eventType at the given time (kept to the second, in UTC; the body's
// signed "timestamp"). component.status_changed has StatusStack's published
// shape (operational to critical, with the incident it opened); the other
// types, whose bodies StatusStack does not publish, carry the object their
// name says (monitor, incident with its title and status, maintenance
// window) with plausible fields. Ids are fixed per object, so events about
// one component, monitor or incident share a ResourceKey.
func StatusStackEvent(eventType string, at time.Time) statusstack.Event {
	at = at.UTC().Truncate(time.Second)
	e := statusstack.Event{
		Event:     eventType,
		Timestamp: at,
		Stack:     statusstack.Stack{ID: "stack_abc123", Name: "Production Infrastructure", Slug: "production"},
	}
	component := func(prev, cur string) *statusstack.Component {
		return &statusstack.Component{ID: "comp_xyz789", Name: "Production API", PreviousStatus: prev, CurrentStatus: cur}
	}
	incident := func(status string) *statusstack.Incident {
		return &statusstack.Incident{
			ID:        "inc_123",
			CreatedAt: at,
			Unknown:   jsontext.Value(`{"title":"Elevated error rates on the Production API","status":"` + status + `"}`),
		}
	}
	monitor := func(status string) *statusstack.Monitor {
		return &statusstack.Monitor{ID: "mon_k4q8z2", Name: "API health check", Status: status, URL: "https://api.example.com/health"}
	}
	switch eventType {
	case statusstack.ComponentStatusChanged:
		e.Component = component(statusstack.StatusOperational, statusstack.StatusCritical)
		e.Incident = &statusstack.Incident{ID: "inc_123", CreatedAt: at}
	case statusstack.MonitorDown:
		e.Monitor = monitor("down")
		e.Component = component(statusstack.StatusOperational, statusstack.StatusCritical)
	case statusstack.MonitorRecovered:
		e.Monitor = monitor("up")
		e.Component = component(statusstack.StatusCritical, statusstack.StatusOperational)
	case statusstack.IncidentCreated:
		e.Incident = incident("investigating")
		e.Component = component(statusstack.StatusOperational, statusstack.StatusCritical)
	case statusstack.IncidentUpdated:
		e.Incident = incident("monitoring")
		e.Component = component(statusstack.StatusCritical, statusstack.StatusDegraded)
	case statusstack.IncidentResolved:
		e.Incident = incident("resolved")
		e.Component = component(statusstack.StatusDegraded, statusstack.StatusOperational)
	case statusstack.MaintenanceScheduled:
		start := at.Add(24 * time.Hour)
		e.Maintenance = &statusstack.Maintenance{
			ID: "mnt_9d3f1a", Title: "Database engine upgrade",
			StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		}
		e.Component = component(statusstack.StatusOperational, statusstack.StatusOperational)
	}
	return e
}

// StatusStackBody renders e as StatusStack sends it: compact JSON, as
// JSON.stringify writes it.
func StatusStackBody(e statusstack.Event) []byte { return mustJSON(e) }

// mustJSON marshals a provider type, all of which marshal without error,
// with map keys sorted so samples are deterministic.
func mustJSON(v any, opts ...json.Options) []byte {
	b, err := json.Marshal(v, append(opts, json.Deterministic(true))...)
	if err != nil {
		panic("hooktest: " + err.Error())
	}
	return b
}

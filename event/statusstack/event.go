package statusstack

import (
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// Event types (Event.Event), as StatusStack lists them. Only
// ComponentStatusChanged has a published body.
const (
	ComponentStatusChanged = "component.status_changed"
	MonitorDown            = "monitor.down"
	MonitorRecovered       = "monitor.recovered"
	IncidentCreated        = "incident.created"
	IncidentUpdated        = "incident.updated"
	IncidentResolved       = "incident.resolved"
	MaintenanceScheduled   = "maintenance.scheduled"
)

// Component status values (Component.PreviousStatus and CurrentStatus).
const (
	StatusOperational = "operational"
	StatusDegraded    = "degraded"
	StatusCritical    = "critical"
	StatusMaintenance = "maintenance"
)

// Event is the body of a StatusStack notification webhook.
//
// It implements [event.Payload]: EventType is Event, ResourceKey the object
// the event is about (see [Event.ResourceKey]) and OccurredAt the signed
// Timestamp.
type Event struct {
	// Event is the event type: one of the event type constants
	// (ComponentStatusChanged, ...) or a type this package does not
	// know, as sent.
	Event string `json:"event"`

	// Timestamp is when StatusStack produced the event (RFC 3339, UTC). It
	// is covered by the signature.
	Timestamp time.Time `json:"timestamp"`

	// Stack is the status page the event belongs to.
	Stack Stack `json:"stack"`

	// Component is the component whose status changed; nil when absent.
	Component *Component `json:"component,omitzero"`

	// Incident is the incident the event belongs to; nil when absent.
	Incident *Incident `json:"incident,omitzero"`

	// Monitor is the monitor of monitor.* events; nil when absent.
	Monitor *Monitor `json:"monitor,omitzero"`

	// Maintenance is the maintenance window of maintenance.* events; nil
	// when absent.
	Maintenance *Maintenance `json:"maintenance,omitzero"`

	// Unknown holds, as a raw JSON object, the members of the body this
	// package does not model; nil when there are none.
	Unknown jsontext.Value `json:",embed"`
}

// Stack is a StatusStack status page.
type Stack struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// Component is a component of a status page.
type Component struct {
	ID   string `json:"id"`
	Name string `json:"name"`

	// PreviousStatus and CurrentStatus are Status constants, or a status
	// this package does not know, as sent.
	PreviousStatus string `json:"previous_status"`
	CurrentStatus  string `json:"current_status"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// Incident is the incident an event belongs to.
type Incident struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at,omitzero"`

	// Unknown holds the members this package does not model (an
	// incident.* event's title or status, for instance).
	Unknown jsontext.Value `json:",embed"`
}

var _ event.Payload = (*Event)(nil)

// EventType returns the event type, as sent.
func (e *Event) EventType() string { return e.Event }

// OccurredAt returns the body's timestamp, which the signature covers.
func (e *Event) OccurredAt() time.Time { return e.Timestamp }

// StampedAt returns the body's signed timestamp, when StatusStack sent the
// notification. It implements [event.Stamped].
func (e *Event) StampedAt() time.Time { return e.Timestamp }

// ResourceKey returns the object the event is about, as kind:id —
// "component:comp_xyz789", "monitor:mon_1", "incident:inc_123",
// "maintenance:mnt_9" — or "" when the event names none.
//
// The kind in the event type decides: component.* events are keyed by the
// component, monitor.* by the monitor, incident.* by the incident,
// maintenance.* by the maintenance. When that object is missing, and for
// event types of another kind, the first present of component, monitor,
// incident, maintenance decides.
//
// Keying by the event's own subject rather than always by the component
// keeps unrelated streams apart: a monitor.down for one monitor must not be
// dropped because another monitor of the same component recovered later,
// and an incident.updated must not be dropped because the component's
// status changed after it. The kind prefix keeps a component and a monitor
// that share an id from sharing ordering state.
func (e *Event) ResourceKey() string {
	kind, _, _ := strings.Cut(e.Event, ".")
	if key := e.keyOf(kind); key != "" {
		return key
	}
	for _, kind := range [...]string{"component", "monitor", "incident", "maintenance"} {
		if key := e.keyOf(kind); key != "" {
			return key
		}
	}
	return ""
}

// keyOf returns kind:id for the event's object of that kind, or "".
func (e *Event) keyOf(kind string) string {
	var id string
	switch kind {
	case "component":
		if e.Component != nil {
			id = e.Component.ID
		}
	case "monitor":
		if e.Monitor != nil {
			id = e.Monitor.ID
		}
	case "incident":
		if e.Incident != nil {
			id = e.Incident.ID
		}
	case "maintenance":
		if e.Maintenance != nil {
			id = e.Maintenance.ID
		}
	}
	if id == "" {
		return ""
	}
	return kind + ":" + id
}

// IsDown reports whether the event says something went down: a
// monitor.down, or a component.status_changed to critical from any other
// status. A change to degraded is not "down"; compare
// Component.CurrentStatus for that.
func (e *Event) IsDown() bool {
	switch e.Event {
	case MonitorDown:
		return true
	case ComponentStatusChanged:
		c := e.Component
		return c != nil && c.CurrentStatus == StatusCritical && c.PreviousStatus != StatusCritical
	}
	return false
}

// IsRecovery reports whether the event says something came back: a
// monitor.recovered, or a component.status_changed to operational from
// degraded or critical. The end of a maintenance (maintenance to
// operational) is not a recovery, nor is an incident.resolved: an incident
// may be resolved while its components are still down.
func (e *Event) IsRecovery() bool {
	switch e.Event {
	case MonitorRecovered:
		return true
	case ComponentStatusChanged:
		c := e.Component
		return c != nil && c.CurrentStatus == StatusOperational &&
			(c.PreviousStatus == StatusDegraded || c.PreviousStatus == StatusCritical)
	}
	return false
}

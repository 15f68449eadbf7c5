package pagerduty

import (
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// Event types (Event.EventType) PagerDuty's v3 webhooks send.
const (
	IncidentTriggered             = "incident.triggered"
	IncidentAcknowledged          = "incident.acknowledged"
	IncidentUnacknowledged        = "incident.unacknowledged"
	IncidentResolved              = "incident.resolved"
	IncidentReopened              = "incident.reopened"
	IncidentEscalated             = "incident.escalated"
	IncidentReassigned            = "incident.reassigned"
	IncidentDelegated             = "incident.delegated"
	IncidentAnnotated             = "incident.annotated"
	IncidentPriorityUpdated       = "incident.priority_updated"
	IncidentResponderAdded        = "incident.responder.added"
	IncidentResponderReplied      = "incident.responder.replied"
	IncidentStatusUpdatePublished = "incident.status_update_published"
	ServiceCreated                = "service.created"
	ServiceUpdated                = "service.updated"
	ServiceDeleted                = "service.deleted"
	PageyPing                     = "pagey.ping"
)

// Incident statuses (Data.Status of an incident).
const (
	StatusTriggered    = "triggered"
	StatusAcknowledged = "acknowledged"
	StatusResolved     = "resolved"
)

// Incident urgencies (Data.Urgency).
const (
	UrgencyHigh = "high"
	UrgencyLow  = "low"
)

// EventTypes lists the event types PagerDuty documents, incidents first.
func EventTypes() []string {
	return []string{
		IncidentTriggered, IncidentAcknowledged, IncidentUnacknowledged, IncidentResolved, IncidentReopened,
		IncidentEscalated, IncidentReassigned, IncidentDelegated, IncidentAnnotated, IncidentPriorityUpdated,
		IncidentResponderAdded, IncidentResponderReplied, IncidentStatusUpdatePublished,
		ServiceCreated, ServiceUpdated, ServiceDeleted, PageyPing,
	}
}

// Message is the body of a PagerDuty v3 webhook: {"event": {...}}.
//
// It implements [event.Payload] (EventType is event.event_type,
// ResourceKey the incident or service, OccurredAt event.occurred_at),
// [event.Identified] (event.id) and [event.Stamped] (event.occurred_at).
type Message struct {
	// Event is the one event the webhook carries.
	Event Event `json:"event"`

	// Unknown holds, as a raw JSON object, the members of the body this
	// package does not model; nil when there are none.
	Unknown jsontext.Value `json:",embed"`
}

// Event is what happened.
type Event struct {
	// ID is unique per event: retries of one event carry the same ID.
	ID string `json:"id"`

	// EventType is one of the event type constants (IncidentTriggered,
	// ...) or a type this package does not know, as sent.
	EventType string `json:"event_type"`

	// ResourceType is the kind of Data: "incident", "service", "pagey".
	ResourceType string `json:"resource_type"`

	// OccurredAt is when the event happened (RFC 3339); it is signed.
	OccurredAt time.Time `json:"occurred_at"`

	// Agent is who caused the event (a user or a service); nil when
	// PagerDuty did it itself.
	Agent *Reference `json:"agent,omitzero"`

	// Client is the integration through which the event was caused; nil
	// when none.
	Client *Client `json:"client,omitzero"`

	// Data is the resource the event is about, in the shape
	// ResourceType and EventType say (see Data).
	Data Data `json:"data"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// Reference is PagerDuty's reference to another object: a user, a
// service, an escalation policy, a team, a priority, an incident.
type Reference struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary,omitzero"`
	Self    string `json:"self,omitzero"`
	HTMLURL string `json:"html_url,omitzero"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// Client is the integration through which an event was caused.
type Client struct {
	Name string `json:"name"`
	URL  string `json:"url,omitzero"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// Data is an event's data. Its members depend on the event:
//
//   - for incident events whose data is the incident (Type "incident":
//     triggered, acknowledged, resolved, ...), the incident's ID, Number,
//     Status, Title, Urgency, Service, Assignees, EscalationPolicy, Teams,
//     Priority, HTMLURL and CreatedAt;
//   - for incident events whose data is about the incident
//     (incident.annotated's note, incident.responder.*'s request,
//     incident.status_update_published's update), Incident refers to it,
//     and Content or Message carries the text;
//   - for service events, the service's ID, Summary and links.
//
// Members of other shapes are kept in Unknown.
type Data struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Self    string `json:"self,omitzero"`
	HTMLURL string `json:"html_url,omitzero"`
	Summary string `json:"summary,omitzero"`

	Number           int64       `json:"number,omitzero"`
	Status           string      `json:"status,omitzero"`
	IncidentKey      string      `json:"incident_key,omitzero"`
	CreatedAt        time.Time   `json:"created_at,omitzero"`
	Title            string      `json:"title,omitzero"`
	Urgency          string      `json:"urgency,omitzero"`
	Service          *Reference  `json:"service,omitzero"`
	Assignees        []Reference `json:"assignees,omitzero"`
	EscalationPolicy *Reference  `json:"escalation_policy,omitzero"`
	Teams            []Reference `json:"teams,omitzero"`
	Priority         *Reference  `json:"priority,omitzero"`
	ResolveReason    string      `json:"resolve_reason,omitzero"`

	// Incident refers to the incident when the data is about one rather
	// than the incident itself (a note, a responder request, a status
	// update).
	Incident *Reference `json:"incident,omitzero"`

	// Content is a note's text (incident.annotated); Message a responder
	// request's or a status update's.
	Content string `json:"content,omitzero"`
	Message string `json:"message,omitzero"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

var (
	_ event.Payload    = (*Message)(nil)
	_ event.Identified = (*Message)(nil)
	_ event.Stamped    = (*Message)(nil)
)

// EventType returns event.event_type, as sent.
func (m *Message) EventType() string { return m.Event.EventType }

// OccurredAt returns event.occurred_at, which the signature covers.
func (m *Message) OccurredAt() time.Time { return m.Event.OccurredAt }

// StampedAt returns event.occurred_at. It implements [event.Stamped]: the
// body is signed, so a route refuses a delivery whose event is older than
// it allows, and a captured delivery cannot be replayed after that.
func (m *Message) StampedAt() time.Time { return m.Event.OccurredAt }

// EventID returns event.id. It implements [event.Identified].
func (m *Message) EventID() string { return m.Event.ID }

// ResourceKey returns what the event is about, as kind:id:
// "incident:PGR0VU2" for every incident.* event (the incident itself, or
// the incident its note, responder request or status update refers to),
// "service:PF9KMXH" for service.* events, and "" when the event names
// neither (pagey.ping). The kind keeps an incident and a service that
// share an id apart.
func (m *Message) ResourceKey() string {
	e := &m.Event
	kind, _, _ := strings.Cut(e.EventType, ".")
	if kind == "" {
		kind = e.ResourceType
	}
	switch kind {
	case "incident":
		if inc := e.Data.Incident; inc != nil && inc.ID != "" && e.Data.Type != "incident" {
			return "incident:" + inc.ID
		}
		if e.Data.ID != "" {
			return "incident:" + e.Data.ID
		}
	case "service":
		if e.Data.ID != "" {
			return "service:" + e.Data.ID
		}
	}
	return ""
}

// IncidentID returns the id of the incident the event is about, or "" for
// an event about no incident.
func (m *Message) IncidentID() string {
	id, ok := strings.CutPrefix(m.ResourceKey(), "incident:")
	if !ok {
		return ""
	}
	return id
}

// AsIncident returns the data when it is an incident (Type "incident"),
// else nil.
func (d *Data) AsIncident() *Data {
	if d.Type != "incident" {
		return nil
	}
	return d
}

// IsResolved reports whether the event resolved its incident.
func (m *Message) IsResolved() bool { return m.Event.EventType == IncidentResolved }

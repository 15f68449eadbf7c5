package oncall

import (
	"cmp"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// Values of event.type (Trigger.Type), as OnCall writes them: with spaces,
// in lower case.
//
// A webhook whose trigger is "status change" is sent with the type of the
// action that changed the status (acknowledge, resolve, ...), so
// TypeStatusChange itself is rare.
const (
	TypeEscalation           = "escalation"
	TypeAlertGroupCreated    = "alert group created"
	TypeAcknowledge          = "acknowledge"
	TypeResolve              = "resolve"
	TypeSilence              = "silence"
	TypeUnsilence            = "unsilence"
	TypeUnresolve            = "unresolve"
	TypeUnacknowledge        = "unacknowledge"
	TypeStatusChange         = "status change"
	TypePersonalNotification = "personal notification"
)

// Values of alert_group.state (AlertGroup.State).
const (
	StateFiring       = "firing"
	StateAcknowledged = "acknowledged"
	StateResolved     = "resolved"
	StateSilenced     = "silenced"
)

// Event is the body of an OnCall outgoing webhook with "forward all" on.
//
// It implements [event.Payload]: EventType is event.type, ResourceKey the
// alert group id and OccurredAt the time of the action (see
// [Event.OccurredAt]).
type Event struct {
	// Event says which trigger fired and when.
	Event Trigger `json:"event"`

	// User is who acted (acknowledged, resolved, ...); nil for actions
	// OnCall took itself, such as escalation steps.
	User *User `json:"user"`

	// AlertGroup is the alert group as OnCall's public API serializes it,
	// at the time the webhook was sent.
	AlertGroup AlertGroup `json:"alert_group"`

	// AlertGroupID repeats AlertGroup.ID.
	AlertGroupID string `json:"alert_group_id"`

	// AlertPayload is the raw JSON of the group's first alert, as the
	// integration received it; empty when OnCall sent "".
	AlertPayload AlertPayload `json:"alert_payload"`

	// Integration is the integration the alert group came through.
	Integration Integration `json:"integration"`

	// NotifiedUsers are the users OnCall has notified so far; empty (not
	// nil) when OnCall sent [].
	NotifiedUsers []User `json:"notified_users,omitzero"`

	// UsersToBeNotified are the users the escalation chain will notify.
	UsersToBeNotified []User `json:"users_to_be_notified,omitzero"`

	// AlertGroupAcknowledgedBy and AlertGroupResolvedBy are the users who
	// acknowledged and resolved the group, sent by some OnCall versions;
	// nil when absent or null.
	AlertGroupAcknowledgedBy *User `json:"alert_group_acknowledged_by,omitzero"`
	AlertGroupResolvedBy     *User `json:"alert_group_resolved_by,omitzero"`

	// Responses holds, per webhook id, the latest response of the other
	// webhooks for this alert group: the response's JSON, or its text as
	// a JSON string when it was not JSON. OnCall sends it only when there
	// is at least one.
	Responses map[string]jsontext.Value `json:"responses,omitzero"`

	// Webhook is the webhook that sent this event; OnCall sends it only
	// when labels are enabled for the organization.
	Webhook *Webhook `json:"webhook,omitzero"`

	// ExternalID is the alert group's id in the source system, sent for
	// connected integrations only.
	ExternalID string `json:"external_id,omitzero"`

	// Unknown holds, as a raw JSON object, the members of the body this
	// package does not model; nil when there are none.
	Unknown jsontext.Value `json:",embed"`
}

// Trigger is the "event" member: which trigger fired, and when.
type Trigger struct {
	// Type is one of the Type constants, or a newer type this package
	// does not know.
	Type string `json:"type"`

	// Time is when the action happened: the alert group's created_at,
	// acknowledged_at, resolved_at or silenced_at for the matching types.
	// Zero for types without a time (escalation, unsilence, unresolve,
	// unacknowledge, personal notification) and when OnCall sent null.
	Time time.Time `json:"time,omitzero"`

	// Until is when a silence ends (silence events only); zero for a
	// silence without end.
	Until time.Time `json:"until,omitzero"`

	// User is the user the event is about, where OnCall sends one.
	User *User `json:"user,omitzero"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// User is a user as OnCall serializes it in webhook events.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// AlertGroup is an alert group as OnCall's public API serializes it.
// Timestamps are zero when OnCall sent null (not resolved yet, ...).
type AlertGroup struct {
	ID            string `json:"id"`
	IntegrationID string `json:"integration_id"`
	TeamID        string `json:"team_id"`
	RouteID       string `json:"route_id"`
	AlertsCount   int    `json:"alerts_count"`

	// State is one of the State constants.
	State string `json:"state"`

	CreatedAt      time.Time `json:"created_at,omitzero"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	SilencedAt     time.Time `json:"silenced_at,omitzero"`

	// ResolvedBy and AcknowledgedBy are user ids; empty when null.
	ResolvedBy     string `json:"resolved_by"`
	AcknowledgedBy string `json:"acknowledged_by"`

	// Labels are the alert group's labels, from either form OnCall uses.
	Labels Labels `json:"labels,omitzero"`

	Title      string     `json:"title"`
	Permalinks Permalinks `json:"permalinks"`

	// LastAlert is the group's latest alert, where OnCall sends it.
	LastAlert *Alert `json:"last_alert,omitzero"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// Permalinks are links to the alert group; empty when OnCall sent null
// (no Slack or Telegram message, for example).
type Permalinks struct {
	Slack    string `json:"slack"`
	SlackApp string `json:"slack_app,omitzero"`
	Telegram string `json:"telegram"`
	Web      string `json:"web"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// Alert is one alert of an alert group (alert_group.last_alert).
type Alert struct {
	ID           string    `json:"id"`
	AlertGroupID string    `json:"alert_group_id"`
	CreatedAt    time.Time `json:"created_at,omitzero"`

	// Payload is the alert's raw JSON as the integration received it.
	Payload jsontext.Value `json:"payload,omitzero"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// Integration is the OnCall integration an alert group came through.
type Integration struct {
	ID string `json:"id"`

	// Type is the integration kind: "alertmanager", "grafana_alerting",
	// "webhook", "formatted_webhook", ...
	Type string `json:"type"`
	Name string `json:"name"`

	// Team is the team's name; empty when the integration has no team.
	Team string `json:"team"`

	// Labels are sent only when labels are enabled for the organization.
	Labels Labels `json:"labels,omitzero"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

// Webhook is the OnCall outgoing webhook that sent the event.
type Webhook struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Labels Labels `json:"labels,omitzero"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

var (
	_ event.Payload   = (*Event)(nil)
	_ event.Stamped   = (*Event)(nil)
	_ event.Templated = (*Event)(nil)
)

// StampedAt returns event.time, when the action happened; zero for the
// types that carry none. Two actions at different times have different
// bodies. It implements [event.Stamped].
func (e *Event) StampedAt() time.Time { return e.Event.Time }

// TemplateVariable names the Jinja2 expression of an OnCall webhook's data
// template that carries f. It implements [event.Templated].
func (e *Event) TemplateVariable(f event.Field) string {
	switch f {
	case event.FieldType:
		return "{{ event.type }}"
	case event.FieldResource:
		return "{{ alert_group.id }}"
	case event.FieldTime, event.FieldIdentity:
		return "{{ event.time }}"
	}
	return ""
}

// EventType returns event.type: one of the Type constants, or a newer type
// as sent.
func (e *Event) EventType() string { return e.Event.Type }

// ResourceKey returns the alert group id (alert_group.id, or alert_group_id
// when the former is empty): OnCall's events are ordered per alert group.
func (e *Event) ResourceKey() string { return cmp.Or(e.AlertGroup.ID, e.AlertGroupID) }

// OccurredAt returns when the action happened, for ordering the events of
// one alert group.
//
// It is event.time when set. Otherwise it is the alert group's timestamp of
// the very action the type names — created_at for "alert group created",
// acknowledged_at for "acknowledge", resolved_at for "resolve", silenced_at
// for "silence" — which is where OnCall takes event.time from in the first
// place, so the fallback never invents a time.
//
// For every other type it returns the zero time. escalation, unsilence,
// unresolve, unacknowledge and personal notification carry no time of
// their own, and no alert-group timestamp is theirs: any of them would be a
// lower bound (an "unresolve" happens after the resolve whose resolved_at
// the group still shows, or after a time the group no longer shows at
// all). Ordering on a lower bound would drop exactly the event that undoes
// the newest action — the "unresolve" after the "resolve" — as older than
// it. The zero time instead keeps the event out of ordering: the middleware
// neither drops it nor advances the group's newest time with it, so it can
// never let an older event win either.
func (e *Event) OccurredAt() time.Time {
	if !e.Event.Time.IsZero() {
		return e.Event.Time
	}
	g := &e.AlertGroup
	switch e.Event.Type {
	case TypeAlertGroupCreated:
		return g.CreatedAt
	case TypeAcknowledge:
		return g.AcknowledgedAt
	case TypeResolve:
		return g.ResolvedAt
	case TypeSilence:
		return g.SilencedAt
	}
	return time.Time{}
}

package grafana

import (
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// Status values of a notification (Message.Status) and of an alert
// (Alert.Status).
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// Values of the legacy Message.State.
const (
	StateAlerting = "alerting"
	StateOK       = "ok"
)

// Message is the body of a Grafana Alerting webhook notification: the
// alerts of one alert group.
//
// It implements [event.Payload]: EventType is Status, ResourceKey the group
// key and OccurredAt the latest time the notification reports (see
// [Message.OccurredAt]).
type Message struct {
	// Receiver is the contact point's name.
	Receiver string `json:"receiver"`

	// Status is StatusFiring when at least one alert fires, else
	// StatusResolved.
	Status string `json:"status"`

	// Alerts are the group's alerts, firing and resolved.
	Alerts []Alert `json:"alerts,omitzero"`

	GroupLabels       map[string]string `json:"groupLabels,omitzero"`
	CommonLabels      map[string]string `json:"commonLabels,omitzero"`
	CommonAnnotations map[string]string `json:"commonAnnotations,omitzero"`

	ExternalURL string `json:"externalURL"`

	// Version is the payload version ("1" from Grafana, "4" from
	// Alertmanager).
	Version string `json:"version"`

	// GroupKey identifies the alert group the notification is about.
	GroupKey string `json:"groupKey"`

	// TruncatedAlerts is how many alerts Grafana left out of Alerts
	// (the contact point's max alerts setting).
	TruncatedAlerts int `json:"truncatedAlerts"`

	// OrgID is the Grafana organization; Grafana only.
	OrgID int64 `json:"orgId,omitzero"`

	// Title and Message are Grafana's rendered title and message
	// templates; State is the legacy state (StateAlerting or StateOK).
	// Grafana only.
	Title   string `json:"title,omitzero"`
	State   string `json:"state,omitzero"`
	Message string `json:"message,omitzero"`

	// Unknown holds, as a raw JSON object, the members of the body this
	// package does not model (Alertmanager's numFiring, ...); nil when
	// there are none.
	Unknown jsontext.Value `json:",embed"`
}

// Alert is one alert of a notification.
type Alert struct {
	// Status is StatusFiring or StatusResolved.
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels,omitzero"`
	Annotations map[string]string `json:"annotations,omitzero"`

	// StartsAt is when the alert started firing.
	StartsAt time.Time `json:"startsAt"`

	// EndsAt is when a resolved alert ended. It is zero for an alert that
	// has not ended: senders write "0001-01-01T00:00:00Z", which decodes
	// to the zero time.
	EndsAt time.Time `json:"endsAt"`

	GeneratorURL string `json:"generatorURL"`

	// Fingerprint identifies the alert by its labels.
	Fingerprint string `json:"fingerprint"`

	// SilenceURL, DashboardURL, PanelURL and ImageURL are Grafana's links;
	// empty when not sent.
	SilenceURL   string `json:"silenceURL,omitzero"`
	DashboardURL string `json:"dashboardURL,omitzero"`
	PanelURL     string `json:"panelURL,omitzero"`
	ImageURL     string `json:"imageURL,omitzero"`

	// Values are the values of the rule's expressions, by reference id
	// ("A", "B", ...); ValueString is Grafana's text rendering of them.
	Values      Values `json:"values,omitzero"`
	ValueString string `json:"valueString,omitzero"`

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

var _ event.Payload = (*Message)(nil)

// EventType returns the notification's status: StatusFiring or
// StatusResolved.
func (m *Message) EventType() string { return m.Status }

// ResourceKey returns the group key: notifications are ordered per alert
// group.
func (m *Message) ResourceKey() string { return m.GroupKey }

// OccurredAt returns the latest time the notification reports: the latest
// of its alerts' StartsAt and, for resolved alerts, EndsAt. It is zero when
// no alert has a time (no ordering then).
//
// Every change to a group moves that time forward — an alert starts (a
// later StartsAt) or ends (an EndsAt after its StartsAt) — so the resolved
// notification that follows a firing one for the same group is never
// older, and a late firing notification that lands after it is: ordering
// drops it instead of re-opening what was resolved.
//
// EndsAt counts only for resolved alerts. A firing alert's EndsAt, where a
// sender fills it in, is a projected expiry rather than an event, and
// letting a future time into the group's ordering state would drop every
// genuine notification until then.
//
// One drop is a trade-off: the notification carries no time of its own, so
// a repeat notification (Grafana's repeat interval) sent after an alert of
// the group resolved and left the group carries only older times, and
// ordering drops it as out of order. Routes that rely on repeat
// notifications should not turn ordering on.
func (m *Message) OccurredAt() time.Time {
	var latest time.Time
	for i := range m.Alerts {
		a := &m.Alerts[i]
		if a.StartsAt.After(latest) {
			latest = a.StartsAt
		}
		if a.IsResolved() && a.EndsAt.After(latest) {
			latest = a.EndsAt
		}
	}
	return latest
}

// IsFiring reports whether the notification's status is firing.
func (m *Message) IsFiring() bool { return m.Status == StatusFiring }

// IsResolved reports whether the alert's status is resolved.
func (a *Alert) IsResolved() bool { return a.Status == StatusResolved }

package alertmanager

import (
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// Status values of a notification (Notification.Status) and of an alert
// (AlertFields.Status).
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// AlertFields are the members every Alertmanager-shaped alert carries:
// Alertmanager's own, and the first members of Grafana Alerting's
// (package event/grafana embeds them in its Alert).
type AlertFields struct {
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

	// Fingerprint identifies the alert by its labels: stable across the
	// notifications of one alert, firing and resolved.
	Fingerprint string `json:"fingerprint"`
}

// IsResolved reports whether the alert's status is resolved.
func (a AlertFields) IsResolved() bool { return a.Status == StatusResolved }

// Fields returns the common members. Notification uses it to read every
// alert type that embeds AlertFields.
func (a AlertFields) Fields() AlertFields { return a }

// Notification is what every Alertmanager-shaped group notification
// carries, for an alert type A that embeds AlertFields: Alertmanager's
// Message embeds Notification[Alert], and package event/grafana's Message
// embeds Notification[grafana.Alert]. Its methods implement event.Payload
// for both.
type Notification[A interface{ Fields() AlertFields }] struct {
	// Receiver is the receiver's (Grafana: the contact point's) name.
	Receiver string `json:"receiver"`

	// Status is StatusFiring when at least one alert fires, else
	// StatusResolved.
	Status string `json:"status"`

	// Alerts are the group's alerts, firing and resolved.
	Alerts []A `json:"alerts,omitzero"`

	GroupLabels       map[string]string `json:"groupLabels,omitzero"`
	CommonLabels      map[string]string `json:"commonLabels,omitzero"`
	CommonAnnotations map[string]string `json:"commonAnnotations,omitzero"`

	ExternalURL string `json:"externalURL"`

	// Version is the payload version ("4" from Alertmanager, "1" from
	// Grafana).
	Version string `json:"version"`

	// GroupKey identifies the alert group the notification is about: the
	// route and the group's labels. Every notification of one group, the
	// repeats included, carries the same key.
	GroupKey string `json:"groupKey"`

	// TruncatedAlerts is how many alerts the sender left out of Alerts
	// (the receiver's max_alerts setting).
	TruncatedAlerts int `json:"truncatedAlerts"`
}

// EventType returns the notification's status: StatusFiring or
// StatusResolved.
func (n *Notification[A]) EventType() string { return n.Status }

// ResourceKey returns the group key: notifications are ordered per alert
// group.
func (n *Notification[A]) ResourceKey() string { return n.GroupKey }

// OccurredAt returns the latest time the notification reports: the latest
// of its alerts' StartsAt and, for resolved alerts, EndsAt. It is zero when
// no alert has a time (no ordering then).
//
// Every change to a group moves that time forward — an alert starts (a
// later StartsAt) or ends (an EndsAt after its StartsAt) — so the resolved
// notification that follows a firing one for the same group is never
// older, and a late firing notification that lands after it is: ordering
// drops it instead of re-opening what was resolved. A repeat notification
// (repeat_interval) of an unchanged group carries the same time, and equal
// times pass ordering.
//
// EndsAt counts only for resolved alerts. A firing alert's EndsAt, where a
// sender fills it in, is a projected expiry rather than an event, and
// letting a future time into the group's ordering state would drop every
// genuine notification until then.
//
// One drop is a trade-off: the notification carries no time of its own, so
// a repeat notification sent after an alert of the group resolved and left
// the group carries only older times, and ordering drops it as out of
// order. Routes that rely on repeat notifications should not turn ordering
// on.
func (n *Notification[A]) OccurredAt() time.Time {
	var latest time.Time
	for i := range n.Alerts {
		a := n.Alerts[i].Fields()
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
func (n *Notification[A]) IsFiring() bool { return n.Status == StatusFiring }

// Fingerprints returns the fingerprints of the notification's alerts, in
// order: what tells the alerts of one group apart across notifications.
func (n *Notification[A]) Fingerprints() []string {
	out := make([]string, len(n.Alerts))
	for i := range n.Alerts {
		out[i] = n.Alerts[i].Fields().Fingerprint
	}
	return out
}

// Message is the body of an Alertmanager webhook notification (version
// "4"): the alerts of one alert group.
//
// It implements [event.Payload]: EventType is Status, ResourceKey the
// group key and OccurredAt the latest time the notification reports (see
// [Notification.OccurredAt]). It implements neither event.Identified nor
// event.Stamped: nothing in the body tells a repeat notification from the
// one before it (see the package documentation for dedupe).
type Message struct {
	Notification[Alert]

	// Unknown holds, as a raw JSON object, the members of the body this
	// package does not model; nil when there are none.
	Unknown jsontext.Value `json:",embed"`
}

// Alert is one alert of an Alertmanager notification.
type Alert struct {
	AlertFields

	// Unknown holds the members this package does not model.
	Unknown jsontext.Value `json:",embed"`
}

var _ event.Payload = (*Message)(nil)

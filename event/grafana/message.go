package grafana

import (
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/alertmanager"
)

// Status values of a notification (Message.Status) and of an alert
// (Alert.Status): Alertmanager's.
const (
	StatusFiring   = alertmanager.StatusFiring
	StatusResolved = alertmanager.StatusResolved
)

// Values of the legacy Message.State.
const (
	StateAlerting = "alerting"
	StateOK       = "ok"
)

// Message is the body of a Grafana Alerting webhook notification: the
// alerts of one alert group. Grafana's body is Alertmanager's with more
// members: the members both send are alertmanager.Notification's (Receiver,
// Status, Alerts, GroupLabels, CommonLabels, CommonAnnotations, ExternalURL,
// Version, GroupKey, TruncatedAlerts), embedded, and the Grafana-only ones
// are Message's own.
//
// It implements [event.Payload] through the embedded Notification:
// EventType is Status, ResourceKey the group key and OccurredAt the latest
// time the notification reports (see alertmanager.Notification.OccurredAt,
// whose trade-off on repeat notifications applies to Grafana's repeat
// interval too).
type Message struct {
	alertmanager.Notification[Alert]

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

// Alert is one alert of a notification: Alertmanager's members
// (alertmanager.AlertFields, embedded) and Grafana's links and values.
type Alert struct {
	alertmanager.AlertFields

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

package datadog

import (
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event/internal/lenient"
)

// EventType is $EVENT_TYPE: what kind of monitor or event sent the webhook.
// Values are passed through as sent (trimmed); the constants are the ones
// Datadog is known to send, and others exist.
type EventType string

// Known $EVENT_TYPE values.
const (
	QueryAlertMonitor EventType = "query_alert_monitor"
	ServiceCheck      EventType = "service_check"
	LogAlert          EventType = "log_alert"
	MetricSLOAlert    EventType = "metric_slo_alert"
	CompositeMonitor  EventType = "composite_monitor"
	SyntheticsAlert   EventType = "synthetics_alert"
	EventAlert        EventType = "event_alert"
	RUMAlert          EventType = "rum_alert"
)

var eventTypes = [...]EventType{
	QueryAlertMonitor, ServiceCheck, LogAlert, MetricSLOAlert, CompositeMonitor,
	SyntheticsAlert, EventAlert, RUMAlert,
}

// ParseEventType normalises an $EVENT_TYPE value: surrounding spaces are
// trimmed and a known value is matched ignoring case, '_', '-' and spaces
// ("QUERY_ALERT_MONITOR" gives [QueryAlertMonitor]). Anything else is
// returned unchanged (trimmed).
func ParseEventType(s string) EventType { return parse(s, eventTypes[:]) }

// UnmarshalJSONFrom decodes a JSON string (or number, or null) and
// normalises it with [ParseEventType]. Known values cost no allocation.
func (t *EventType) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	b, _, err := lenient.Text(dec, "a string")
	if err != nil {
		return err
	}
	*t = parse(b, eventTypes[:])
	return nil
}

// Transition is $ALERT_TRANSITION: how the monitor's state changed.
type Transition string

// The $ALERT_TRANSITION values.
const (
	Triggered   Transition = "Triggered"
	ReTriggered Transition = "Re-Triggered"
	Recovered   Transition = "Recovered"
	Warn        Transition = "Warn"
	ReWarn      Transition = "Re-Warn"
	NoData      Transition = "No Data"
	ReNoData    Transition = "Re-No Data"
	Renotify    Transition = "Renotify"
)

var transitions = [...]Transition{Triggered, ReTriggered, Recovered, Warn, ReWarn, NoData, ReNoData, Renotify}

// ParseTransition normalises an $ALERT_TRANSITION value: surrounding spaces
// are trimmed and a known value is matched ignoring case, '_', '-' and
// spaces ("re_triggered" and "Retriggered" give [ReTriggered]). Anything
// else is returned unchanged (trimmed).
func ParseTransition(s string) Transition { return parse(s, transitions[:]) }

// UnmarshalJSONFrom decodes a JSON string (or number, or null) and
// normalises it with [ParseTransition]. Known values cost no allocation.
func (t *Transition) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	b, _, err := lenient.Text(dec, "a string")
	if err != nil {
		return err
	}
	*t = parse(b, transitions[:])
	return nil
}

// IsTriggered reports whether the monitor is alerting: Triggered or
// Re-Triggered.
func (t Transition) IsTriggered() bool { return t == Triggered || t == ReTriggered }

// IsWarning reports whether the monitor is at its warning threshold: Warn or
// Re-Warn.
func (t Transition) IsWarning() bool { return t == Warn || t == ReWarn }

// IsNoData reports whether the monitor stopped receiving data: No Data or
// Re-No Data.
func (t Transition) IsNoData() bool { return t == NoData || t == ReNoData }

// IsRecovery reports whether the monitor recovered: Recovered.
func (t Transition) IsRecovery() bool { return t == Recovered }

// IsRenotification reports whether the webhook repeats a state already
// notified: Re-Triggered, Re-Warn, Re-No Data and Renotify.
func (t Transition) IsRenotification() bool {
	return t == ReTriggered || t == ReWarn || t == ReNoData || t == Renotify
}

// AlertType is $ALERT_TYPE: the severity of the alert.
type AlertType string

// The $ALERT_TYPE values.
const (
	AlertError   AlertType = "error"
	AlertWarning AlertType = "warning"
	AlertSuccess AlertType = "success"
	AlertInfo    AlertType = "info"
)

var alertTypes = [...]AlertType{AlertError, AlertWarning, AlertSuccess, AlertInfo}

// ParseAlertType normalises an $ALERT_TYPE value like [ParseTransition]
// ("ERROR" gives [AlertError]).
func ParseAlertType(s string) AlertType { return parse(s, alertTypes[:]) }

// UnmarshalJSONFrom decodes a JSON string (or number, or null) and
// normalises it with [ParseAlertType]. Known values cost no allocation.
func (t *AlertType) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	b, _, err := lenient.Text(dec, "a string")
	if err != nil {
		return err
	}
	*t = parse(b, alertTypes[:])
	return nil
}

// IsError reports whether t is "error": the monitor is alerting.
func (t AlertType) IsError() bool { return t == AlertError }

// IsWarning reports whether t is "warning".
func (t AlertType) IsWarning() bool { return t == AlertWarning }

// IsRecovery reports whether t is "success": the monitor recovered.
func (t AlertType) IsRecovery() bool { return t == AlertSuccess }

// IsInfo reports whether t is "info".
func (t AlertType) IsInfo() bool { return t == AlertInfo }

// parse trims s and returns the known value it names, or s itself.
func parse[T ~string, S ~string | ~[]byte](s S, known []T) T {
	s = trim(s)
	for _, k := range known {
		if lenient.NameEqual(s, k) {
			return k
		}
	}
	return T(s)
}

func trim[S ~string | ~[]byte](s S) S {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

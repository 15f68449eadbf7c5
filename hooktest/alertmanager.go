package hooktest

import (
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event/alertmanager"
)

// ProviderAlertmanager names Prometheus Alertmanager's samples. It is the
// provider name to give the verifier of an Alertmanager route
// (verify.Authorization, verify.Basic or jwt.New), which signs nothing and
// names no provider of its own.
const ProviderAlertmanager = "alertmanager"

// AlertmanagerGroupKey is the groupKey of every sample Alertmanager
// notification: one alert group of one receiver.
const AlertmanagerGroupKey = `{}/{severity="critical"}:{alertname="InstanceDown"}`

// AlertmanagerStatuses lists the notification statuses: firing and
// resolved.
func AlertmanagerStatuses() []string {
	return []string{alertmanager.StatusFiring, alertmanager.StatusResolved}
}

// AlertmanagerMessage returns the notification Alertmanager's webhook
// receiver ("hookseal") sends for the alert group [AlertmanagerGroupKey]
// with status firing or resolved, at the given time (kept to the
// millisecond, in UTC), as version "4": two alerts of one group, with their
// fingerprints. A firing notification's first alert started at that time
// and has not ended (endsAt "0001-01-01T00:00:00Z", as Alertmanager writes
// an alert that has not ended); a resolved one's alerts started 20 minutes
// before and the last ended at that time.
//
// A repeat notification (repeat_interval) is this same message, byte for
// byte: render it twice.
func AlertmanagerMessage(status string, at time.Time) alertmanager.Message {
	at = at.UTC().Truncate(time.Millisecond)
	alert := func(instance, fingerprint string, startsAt time.Time) alertmanager.Alert {
		return alertmanager.Alert{AlertFields: alertmanager.AlertFields{
			Status: alertmanager.StatusFiring,
			Labels: map[string]string{"alertname": "InstanceDown", "instance": instance, "job": "node", "severity": "critical"},
			Annotations: map[string]string{
				"summary":     "Instance " + instance + " down",
				"description": instance + " of job node has been down for more than 1 minute.",
			},
			StartsAt:     startsAt,
			GeneratorURL: "http://prometheus.example.com:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1",
			Fingerprint:  fingerprint,
		}}
	}
	a1 := alert("db-1:9100", "b7b4d1c7e1a9f0d3", at)
	a2 := alert("db-2:9100", "5e2f0a9c3d8b7e61", at.Add(-2*time.Minute))
	if status == alertmanager.StatusResolved {
		a1.Status, a1.StartsAt, a1.EndsAt = alertmanager.StatusResolved, at.Add(-20*time.Minute), at
		a2.Status, a2.StartsAt, a2.EndsAt = alertmanager.StatusResolved, at.Add(-20*time.Minute), at.Add(-time.Minute)
	}
	return alertmanager.Message{Notification: alertmanager.Notification[alertmanager.Alert]{
		Receiver:          "hookseal",
		Status:            status,
		Alerts:            []alertmanager.Alert{a1, a2},
		GroupLabels:       map[string]string{"alertname": "InstanceDown"},
		CommonLabels:      map[string]string{"alertname": "InstanceDown", "job": "node", "severity": "critical"},
		CommonAnnotations: map[string]string{},
		ExternalURL:       "http://alertmanager.example.com:9093",
		Version:           "4",
		GroupKey:          AlertmanagerGroupKey,
	}}
}

// AlertmanagerBody renders m as Alertmanager sends it: compact JSON as Go's
// encoding/json writes it, with a trailing newline (json.Encoder).
func AlertmanagerBody(m alertmanager.Message) []byte {
	return append(mustJSON(m, jsontext.EscapeForHTML(true)), '\n')
}

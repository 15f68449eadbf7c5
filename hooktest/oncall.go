package hooktest

import (
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event/oncall"
)

// OnCallAlertGroupID is the alert group every sample OnCall event is about,
// unless the caller changes it.
const OnCallAlertGroupID = "IZQERPWKWCGH1"

// OnCallEventTypes lists the event.type values Grafana OnCall sends.
func OnCallEventTypes() []string {
	return []string{
		oncall.TypeEscalation, oncall.TypeAlertGroupCreated, oncall.TypeAcknowledge, oncall.TypeResolve,
		oncall.TypeSilence, oncall.TypeUnsilence, oncall.TypeUnresolve, oncall.TypeUnacknowledge,
		oncall.TypeStatusChange, oncall.TypePersonalNotification,
	}
}

// onCallAlertPayload is the first alert of the sample group as an
// Alertmanager integration receives it, written the way OnCall (Python's
// json.dumps) writes it.
const onCallAlertPayload = `{"alerts": [{"endsAt": "0001-01-01T00:00:00Z", "labels": {"job": "node", "instance": "db-1:9100", "severity": "critical", "alertname": "InstanceDown"}, "status": "firing", "startsAt": "2024-05-02T08:14:00Z", "annotations": {"title": "Instance db-1:9100 down", "description": "db-1:9100 of job node has been down for more than 1 minute."}, "fingerprint": "f404ecabc8dd5cd7", "generatorURL": ""}], "status": "firing", "version": "4", "groupKey": "{}:{alertname=\"InstanceDown\"}", "receiver": "oncall", "externalURL": "", "groupLabels": {"alertname": "InstanceDown"}, "commonLabels": {"job": "node", "severity": "critical", "alertname": "InstanceDown"}, "truncatedAlerts": 0, "commonAnnotations": {}}`

// OnCallEvent returns the event Grafana OnCall's outgoing webhook (forward
// all) sends for eventType about alert group [OnCallAlertGroupID], modelled
// on a captured OnCall event: the acting user, the alert group in the state
// the action leaves it (firing, acknowledged, resolved or silenced) with the
// matching timestamps, the Alertmanager alert payload and the integration.
//
// at is the action's time (kept to the microsecond, in UTC). It is
// event.time for the types that carry one (alert group created, acknowledge,
// resolve, silence, status change); unsilence, unresolve, unacknowledge,
// escalation and personal notification carry none, as OnCall sends them.
func OnCallEvent(eventType string, at time.Time) oncall.Event {
	at = at.UTC().Truncate(time.Microsecond)
	alice := oncall.User{ID: "U7DBQS3N2LM4K", Username: "alice", Email: "alice@example.com"}
	bob := oncall.User{ID: "UK49JJNPZMFLJ", Username: "bob", Email: "bob@example.com"}
	created := at.Add(-10 * time.Minute)
	e := oncall.Event{
		Event: oncall.Trigger{Type: eventType},
		AlertGroup: oncall.AlertGroup{
			ID:            OnCallAlertGroupID,
			IntegrationID: "CRV8A5MXC751A",
			TeamID:        "TE5EF3RQHJQPI",
			RouteID:       "RWNCT6C77M3WM",
			AlertsCount:   1,
			State:         oncall.StateFiring,
			CreatedAt:     created,
			Labels:        oncall.Labels{{Key: "severity", Value: "critical"}, {Key: "service", Value: "database"}},
			Title:         "[firing:1] InstanceDown db-1:9100",
			Permalinks: oncall.Permalinks{
				Web: "https://oncall.example.com/a/grafana-oncall-app/alert-groups/" + OnCallAlertGroupID,
			},
		},
		AlertGroupID:      OnCallAlertGroupID,
		AlertPayload:      oncall.AlertPayload(onCallAlertPayload),
		Integration:       oncall.Integration{ID: "CRV8A5MXC751A", Type: "alertmanager", Name: "Production Alertmanager", Team: "Platform"},
		NotifiedUsers:     []oncall.User{alice},
		UsersToBeNotified: []oncall.User{bob},
	}
	g := &e.AlertGroup
	switch eventType {
	case oncall.TypeAlertGroupCreated:
		g.CreatedAt = at
		e.Event.Time = at
		e.NotifiedUsers = []oncall.User{}
		e.UsersToBeNotified = []oncall.User{alice, bob}
	case oncall.TypeAcknowledge, oncall.TypeStatusChange:
		e.User = &alice
		e.Event.Time = at
		g.State, g.AcknowledgedAt, g.AcknowledgedBy = oncall.StateAcknowledged, at, alice.ID
		e.UsersToBeNotified = []oncall.User{}
	case oncall.TypeResolve:
		e.User = &alice
		e.Event.Time = at
		g.State, g.AcknowledgedAt, g.AcknowledgedBy = oncall.StateResolved, at.Add(-5*time.Minute), alice.ID
		g.ResolvedAt, g.ResolvedBy = at, alice.ID
		e.UsersToBeNotified = []oncall.User{}
	case oncall.TypeSilence:
		e.User = &alice
		e.Event.Time, e.Event.Until = at, at.Add(time.Hour)
		g.State, g.SilencedAt = oncall.StateSilenced, at
		e.UsersToBeNotified = []oncall.User{}
	case oncall.TypeUnsilence, oncall.TypeUnresolve, oncall.TypeUnacknowledge:
		e.User = &alice
	case oncall.TypePersonalNotification:
		e.Event.User = &bob
		e.NotifiedUsers = []oncall.User{alice, bob}
		e.UsersToBeNotified = []oncall.User{}
	}
	return e
}

// OnCallBody renders e as OnCall sends it: JSON with Python's json.dumps
// separators (", " and ": ").
func OnCallBody(e oncall.Event) []byte {
	return mustJSON(e, jsontext.SpaceAfterColon(true), jsontext.SpaceAfterComma(true))
}

package hooktest

import (
	"strings"
	"time"

	"github.com/hookseal/hookseal/event/pagerduty"
	"github.com/hookseal/hookseal/verify"
)

// PagerDuty signs like a PagerDuty v3 webhook subscription
// (X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...] over the raw body), with
// one v1 entry per secret, as PagerDuty sends while a secret is rotated.
func PagerDuty(secrets ...string) *Signer { return NewSigner(verify.PagerDutyScheme(), secrets...) }

// PagerDutyIncidentID is the incident every sample PagerDuty incident event
// is about.
const PagerDutyIncidentID = "PGR0VU2"

// PagerDutyEventTypes lists the event types PagerDuty sends, incidents
// first (pagerduty.EventTypes).
func PagerDutyEventTypes() []string { return pagerduty.EventTypes() }

// PagerDutyEvent returns the webhook PagerDuty sends for eventType at the
// given time (kept to the millisecond, in UTC): an incident event about
// incident [PagerDutyIncidentID] whose data is the incident in the status
// the event leaves it (or, for incident.annotated, the note;
// incident.responder.*, the request; incident.status_update_published,
// the update), a service event about its service, or a ping. Its event.id
// derives from the type and the time, so two samples of one event are one
// delivery, and samples at different times are different ones.
func PagerDutyEvent(eventType string, at time.Time) pagerduty.Message {
	at = at.UTC().Truncate(time.Millisecond)
	alice := &pagerduty.Reference{ID: "PLH1HKV", Type: "user_reference", Summary: "Alice",
		Self: "https://api.pagerduty.com/users/PLH1HKV", HTMLURL: "https://acme.pagerduty.com/users/PLH1HKV"}
	service := &pagerduty.Reference{ID: "PF9KMXH", Type: "service_reference", Summary: "API Service",
		Self: "https://api.pagerduty.com/services/PF9KMXH", HTMLURL: "https://acme.pagerduty.com/services/PF9KMXH"}
	incident := pagerduty.Data{
		ID: PagerDutyIncidentID, Type: "incident",
		Self:    "https://api.pagerduty.com/incidents/" + PagerDutyIncidentID,
		HTMLURL: "https://acme.pagerduty.com/incidents/" + PagerDutyIncidentID,
		Number:  2, Status: pagerduty.StatusTriggered, IncidentKey: "d3640fbd41094207a1c11e58e46b1662",
		CreatedAt: at.Add(-10 * time.Minute).Truncate(time.Second), Title: "Checkout latency above 2 s", Urgency: pagerduty.UrgencyHigh,
		Service:   service,
		Assignees: []pagerduty.Reference{*alice},
		EscalationPolicy: &pagerduty.Reference{ID: "PUS0KTE", Type: "escalation_policy_reference", Summary: "Default",
			Self: "https://api.pagerduty.com/escalation_policies/PUS0KTE", HTMLURL: "https://acme.pagerduty.com/escalation_policies/PUS0KTE"},
		Teams: []pagerduty.Reference{{ID: "PFCVPS0", Type: "team_reference", Summary: "Engineering",
			Self: "https://api.pagerduty.com/teams/PFCVPS0", HTMLURL: "https://acme.pagerduty.com/teams/PFCVPS0"}},
	}
	incRef := &pagerduty.Reference{ID: PagerDutyIncidentID, Type: "incident_reference", Summary: incident.Title,
		Self: incident.Self, HTMLURL: incident.HTMLURL}
	e := pagerduty.Event{
		ID:           pagerDutyEventID(eventType, at),
		EventType:    eventType,
		ResourceType: "incident",
		OccurredAt:   at,
		Agent:        alice,
		Client:       &pagerduty.Client{Name: "PagerDuty"},
		Data:         incident,
	}
	switch eventType {
	case pagerduty.IncidentTriggered:
		e.Agent = service
		e.Data.CreatedAt = at.Truncate(time.Second)
	case pagerduty.IncidentAcknowledged:
		e.Data.Status = pagerduty.StatusAcknowledged
	case pagerduty.IncidentResolved:
		e.Data.Status = pagerduty.StatusResolved
	case pagerduty.IncidentAnnotated:
		e.Data = pagerduty.Data{ID: "P4TGP1X", Type: "incident_note", Incident: incRef, Content: "Rolled back the deploy."}
	case pagerduty.IncidentResponderAdded, pagerduty.IncidentResponderReplied:
		e.Data = pagerduty.Data{Type: "incident_responder", Incident: incRef, Message: "Please help with checkout latency", Status: "pending"}
	case pagerduty.IncidentStatusUpdatePublished:
		e.Data = pagerduty.Data{ID: "PXK3J0B", Type: "status_update", Incident: incRef, Message: "Mitigated; monitoring."}
	case pagerduty.IncidentPriorityUpdated:
		e.Data.Priority = &pagerduty.Reference{ID: "PSO75BM", Type: "priority", Summary: "P1",
			Self: "https://api.pagerduty.com/priorities/PSO75BM", HTMLURL: "https://acme.pagerduty.com/account/incident_priorities"}
	case pagerduty.ServiceCreated, pagerduty.ServiceUpdated, pagerduty.ServiceDeleted:
		e.ResourceType = "service"
		e.Data = pagerduty.Data{ID: service.ID, Type: "service", Summary: service.Summary, Self: service.Self, HTMLURL: service.HTMLURL}
	case pagerduty.PageyPing:
		e.ResourceType, e.Agent, e.Client = "pagey", nil, nil
		e.Data = pagerduty.Data{Type: "ping", Message: "Hello from your friend Pagey!"}
	}
	return pagerduty.Message{Event: e}
}

// pagerDutyEventID is a stable id in PagerDuty's style (26 characters of
// upper-case base 36) from the type and the time.
func pagerDutyEventID(eventType string, at time.Time) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	h := uint64(14695981039346656037)
	for _, b := range []byte(eventType + at.Format(time.RFC3339Nano)) {
		h = (h ^ uint64(b)) * 1099511628211
	}
	var b strings.Builder
	b.WriteString("01")
	for range 24 {
		b.WriteByte(alphabet[h%36])
		h = h/36 ^ h*0x9E3779B97F4A7C15
	}
	return b.String()
}

// PagerDutyBody renders m as PagerDuty sends it: compact JSON.
func PagerDutyBody(m pagerduty.Message) []byte { return mustJSON(m) }

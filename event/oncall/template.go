package oncall

import (
	"slices"
	"strings"

	"github.com/hookseal/hookseal/event"
)

// topLevel are the members of OnCall's forward-all body, the roots of the
// Jinja2 expressions a webhook's data template uses.
var topLevel = []string{
	"event", "user", "alert_group", "alert_group_id", "alert_payload", "integration",
	"notified_users", "users_to_be_notified", "alert_group_acknowledged_by",
	"alert_group_resolved_by", "responses", "webhook", "external_id",
}

// RecommendedTemplate is a data template for an OnCall (or Grafana IRM)
// outgoing webhook whose author wants to send less than the forward-all
// body and still get a complete Event: the event's type and time, the alert
// group's id, state and title, and the integration, under the keys Event
// reads. Leave the webhook's data empty to forward everything instead,
// which Event reads as well.
//
// OnCall escapes every string of the template's context for a JSON string
// before rendering (a quote as \", a line break as \n), then parses the
// rendering as JSON. So free text goes inside quotes as it is,
// "{{ alert_group.title }}": that escaping keeps a quote or a line break in
// a title from breaking the JSON. tojson would escape the already escaped
// text a second time, and the receiver would get the backslashes. tojson is
// for the values that are not free text (identifiers, a state, times): it
// writes null for None, where "{{ x }}" would write "None".
//
// event.time is absent from escalation, unacknowledge, unresolve and
// unsilence events, and tojson fails on an absent value, which makes
// OnCall send nothing at all; default(None) writes null for it instead.
//
// A limit: Event's identity is event.time alone ([Event.StampedAt]), and
// with this template the events without one render the same body every
// time for one alert group. Two escalation steps of one alert group (or two unacknowledge,
// unresolve or unsilence events) then render identical bodies, and
// hookseal's deduplication takes the second for a retry of the first: it
// is answered as a duplicate and its handler does not run, as long as the
// first is within the route's dedupe window. OnCall sends no delivery id
// or timestamp header that could tell them apart.
const RecommendedTemplate = `{
  "event": {"type": {{ event.type | tojson }}, "time": {{ event.time | default(None) | tojson }}},
  "alert_group": {
    "id": {{ alert_group.id | tojson }},
    "state": {{ alert_group.state | tojson }},
    "title": "{{ alert_group.title }}",
    "created_at": {{ alert_group.created_at | tojson }}
  },
  "integration": {"id": {{ integration.id | tojson }}, "name": "{{ integration.name }}"}
}
`

var _ event.Mapped = (*Event)(nil)

// VariablePath returns where Event reads the Jinja2 expression v of an
// OnCall data template (event.type or {{ event.type }}): "/event/type". The
// expression must start at a member of OnCall's forward-all body. It
// implements [event.Mapped], so a route can map the keys of a user's own
// data template onto Event's fields (middleware.WithTemplateKeys).
func (e *Event) VariablePath(v string) (string, bool) {
	v = event.TrimVariable(v)
	parts := strings.Split(v, ".")
	if !slices.Contains(topLevel, parts[0]) {
		return "", false
	}
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, " |()[]'\"") {
			return "", false // a filter or an index: not a plain path
		}
	}
	return "/" + strings.Join(parts, "/"), true
}

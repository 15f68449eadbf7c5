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
// which Event reads as well. Jinja2's tojson filter quotes each value, so
// a quote or a line break in a title cannot break the JSON.
const RecommendedTemplate = `{
  "event": {"type": {{ event.type | tojson }}, "time": {{ event.time | tojson }}},
  "alert_group": {
    "id": {{ alert_group.id | tojson }},
    "state": {{ alert_group.state | tojson }},
    "title": {{ alert_group.title | tojson }},
    "created_at": {{ alert_group.created_at | tojson }}
  },
  "integration": {"id": {{ integration.id | tojson }}, "name": {{ integration.name | tojson }}}
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

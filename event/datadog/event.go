package datadog

import (
	"bytes"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/internal/lenient"
)

// Event is one Datadog webhook: the members of Datadog's default payload,
// and the monitor variables users commonly add to a custom payload (see
// [RecommendedPayload]). Each field's comment names its $VARIABLE; a
// variable the payload leaves out decodes as the field's zero value.
//
// Event decodes leniently from JSON or from a form-encoded body (see the
// package documentation) and marshals with the keys of RecommendedPayload,
// which it decodes again to an equal value.
type Event struct {
	ID    string    `json:"id,omitempty"`         // $ID, the event's id
	Type  EventType `json:"event_type,omitempty"` // $EVENT_TYPE
	Title string    `json:"title,omitempty"`      // $EVENT_TITLE
	Body  string    `json:"body,omitempty"`       // $EVENT_MSG
	// Date is $DATE, from epoch milliseconds; zero when absent or "".
	// It marshals as RFC 3339, which decoding accepts too.
	Date        time.Time `json:"date,omitzero"`
	LastUpdated time.Time `json:"last_updated,omitzero"` // $LAST_UPDATED, like Date
	Org         Org       `json:"org,omitzero"`          // $ORG_ID, $ORG_NAME
	AlertID     string    `json:"alert_id,omitempty"`    // $ALERT_ID, the monitor's id
	AlertTitle  string    `json:"alert_title,omitempty"` // $ALERT_TITLE
	// AlertTransition is $ALERT_TRANSITION, normalised by ParseTransition.
	AlertTransition Transition `json:"alert_transition,omitempty"`
	AlertType       AlertType  `json:"alert_type,omitempty"`      // $ALERT_TYPE, normalised by ParseAlertType
	AlertStatus     string     `json:"alert_status,omitempty"`    // $ALERT_STATUS
	AlertCycleKey   string     `json:"alert_cycle_key,omitempty"` // $ALERT_CYCLE_KEY
	AlertPriority   string     `json:"alert_priority,omitempty"`  // $ALERT_PRIORITY, e.g. "P1"
	AlertScope      string     `json:"alert_scope,omitempty"`     // $ALERT_SCOPE, e.g. "host:web-1"
	AlertMetric     string     `json:"alert_metric,omitempty"`    // $ALERT_METRIC
	AlertQuery      string     `json:"alert_query,omitempty"`     // $ALERT_QUERY
	AggregKey       string     `json:"aggreg_key,omitempty"`      // $AGGREG_KEY
	Hostname        string     `json:"hostname,omitempty"`        // $HOSTNAME
	Priority        string     `json:"priority,omitempty"`        // $PRIORITY, "normal" or "low"
	// Tags is $TAGS, which Datadog renders comma-separated; a JSON array
	// is accepted too. Each tag is trimmed; nil when there are none.
	Tags        []string `json:"tags,omitempty"`
	Link        string   `json:"link,omitempty"`          // $LINK, to the event in Datadog
	Snapshot    string   `json:"snapshot,omitempty"`      // $SNAPSHOT, a graph image URL
	TextOnlyMsg string   `json:"text_only_msg,omitempty"` // $TEXT_ONLY_MSG

	// Unknown holds the members that match no field, as one raw JSON
	// object (nil when there are none). Members of a form body are
	// strings here (arrays of strings when a key repeats).
	// Marshalling with github.com/go-json-experiment/json writes them
	// back inline; encoding/json writes them under the key "Unknown".
	Unknown jsontext.Value `json:",embed"`
}

// Org is the Datadog organisation that sent the webhook.
type Org struct {
	ID   string `json:"id,omitempty"`   // $ORG_ID
	Name string `json:"name,omitempty"` // $ORG_NAME
}

var (
	_ event.Payload     = (*Event)(nil)
	_ event.BodyDecoder = (*Event)(nil)
)

// eventWire is the lenient shape Event is decoded through. Names match
// ignoring case, '_' and '-' ("alert_id", "ALERT_ID", "alertId"). The
// aliases name a default-payload member after its variable ("event_msg" for
// body, "event_title" for title) or flatten org ("org_id", "org_name");
// when a body has both, the default payload's name wins.
type eventWire struct {
	ID              lenient.String     `json:"id,case:ignore"`
	Type            EventType          `json:"event_type,case:ignore"`
	Title           lenient.String     `json:"title,case:ignore"`
	EventTitle      lenient.String     `json:"event_title,case:ignore"`
	Body            lenient.String     `json:"body,case:ignore"`
	EventMsg        lenient.String     `json:"event_msg,case:ignore"`
	Date            lenient.UnixMillis `json:"date,case:ignore"`
	LastUpdated     lenient.UnixMillis `json:"last_updated,case:ignore"`
	Org             orgWire            `json:"org,case:ignore"`
	OrgID           lenient.String     `json:"org_id,case:ignore"`
	OrgName         lenient.String     `json:"org_name,case:ignore"`
	AlertID         lenient.String     `json:"alert_id,case:ignore"`
	AlertTitle      lenient.String     `json:"alert_title,case:ignore"`
	AlertTransition Transition         `json:"alert_transition,case:ignore"`
	AlertType       AlertType          `json:"alert_type,case:ignore"`
	AlertStatus     lenient.String     `json:"alert_status,case:ignore"`
	AlertCycleKey   lenient.String     `json:"alert_cycle_key,case:ignore"`
	AlertPriority   lenient.String     `json:"alert_priority,case:ignore"`
	AlertScope      lenient.String     `json:"alert_scope,case:ignore"`
	AlertMetric     lenient.String     `json:"alert_metric,case:ignore"`
	AlertQuery      lenient.String     `json:"alert_query,case:ignore"`
	AggregKey       lenient.String     `json:"aggreg_key,case:ignore"`
	Hostname        lenient.String     `json:"hostname,case:ignore"`
	Priority        lenient.String     `json:"priority,case:ignore"`
	Tags            lenient.List       `json:"tags,case:ignore"`
	Link            lenient.String     `json:"link,case:ignore"`
	Snapshot        lenient.String     `json:"snapshot,case:ignore"`
	TextOnlyMsg     lenient.String     `json:"text_only_msg,case:ignore"`
	Unknown         jsontext.Value     `json:",embed"`
}

type orgWire struct {
	ID   lenient.String `json:"id,case:ignore"`
	Name lenient.String `json:"name,case:ignore"`
}

// UnmarshalJSONFrom implements json.UnmarshalerFrom for
// github.com/go-json-experiment/json.
func (e *Event) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var w eventWire
	if err := json.UnmarshalDecode(dec, &w); err != nil {
		return err
	}
	w.to(e)
	return nil
}

// UnmarshalJSON gives encoding/json users the same lenient decoding of a
// JSON body. (A form body needs [Event.DecodeBody].)
func (e *Event) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, e)
}

// DecodeBody implements [event.BodyDecoder], which [event.Decode] prefers:
// a body whose media type is application/x-www-form-urlencoded is decoded
// as a form (see the package documentation), unless it starts with '{' —
// a JSON body sent under a form Content-Type, which a custom header can
// cause. Every other body is JSON.
func (e *Event) DecodeBody(contentType string, body []byte) error {
	if event.MediaType(contentType) == formMediaType {
		if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			js, err := formToJSON(body)
			if err != nil {
				return err
			}
			body = js
		}
	}
	return json.Unmarshal(body, e)
}

const formMediaType = "application/x-www-form-urlencoded"

func (w *eventWire) to(e *Event) {
	*e = Event{
		ID:              string(w.ID),
		Type:            w.Type,
		Title:           string(or(w.Title, w.EventTitle)),
		Body:            string(or(w.Body, w.EventMsg)),
		Date:            time.Time(w.Date),
		LastUpdated:     time.Time(w.LastUpdated),
		Org:             Org{ID: string(or(w.Org.ID, w.OrgID)), Name: string(or(w.Org.Name, w.OrgName))},
		AlertID:         string(w.AlertID),
		AlertTitle:      string(w.AlertTitle),
		AlertTransition: w.AlertTransition,
		AlertType:       w.AlertType,
		AlertStatus:     string(w.AlertStatus),
		AlertCycleKey:   string(w.AlertCycleKey),
		AlertPriority:   string(w.AlertPriority),
		AlertScope:      string(w.AlertScope),
		AlertMetric:     string(w.AlertMetric),
		AlertQuery:      string(w.AlertQuery),
		AggregKey:       string(w.AggregKey),
		Hostname:        string(w.Hostname),
		Priority:        string(w.Priority),
		Tags:            w.Tags,
		Link:            string(w.Link),
		Snapshot:        string(w.Snapshot),
		TextOnlyMsg:     string(w.TextOnlyMsg),
		Unknown:         w.Unknown,
	}
}

func or(a, b lenient.String) lenient.String {
	if a != "" {
		return a
	}
	return b
}

// EventType returns $EVENT_TYPE. It implements [event.Payload].
func (e *Event) EventType() string { return string(e.Type) }

// ResourceKey returns $ALERT_CYCLE_KEY, which names one alert cycle of one
// monitor (and, for a multi-alert monitor, of one group) from trigger to
// recovery; without it, $ALERT_ID, the monitor's id. Ordering by the
// monitor id alone treats every group of a multi-alert monitor as one
// resource, so a payload for such monitors should carry $ALERT_CYCLE_KEY
// (RecommendedPayload does). Empty, with neither, means the event cannot
// be ordered. It implements [event.Payload].
func (e *Event) ResourceKey() string {
	if e.AlertCycleKey != "" {
		return e.AlertCycleKey
	}
	return e.AlertID
}

// OccurredAt returns $DATE, or $LAST_UPDATED when the payload has no date.
// It implements [event.Payload].
func (e *Event) OccurredAt() time.Time {
	if !e.Date.IsZero() {
		return e.Date
	}
	return e.LastUpdated
}

// EventID returns $ID, the id of the Datadog event the webhook reports. It
// implements [event.Identified].
func (e *Event) EventID() string { return e.ID }

// StampedAt returns $DATE, when the event happened. It implements
// [event.Stamped].
func (e *Event) StampedAt() time.Time { return e.Date }

// TemplateVariable names the $VARIABLE of a Datadog webhook payload that
// carries f. It implements [event.Templated].
func (e *Event) TemplateVariable(f event.Field) string {
	switch f {
	case event.FieldType:
		return "$EVENT_TYPE"
	case event.FieldResource:
		return "$ALERT_CYCLE_KEY"
	case event.FieldTime:
		return "$DATE"
	case event.FieldIdentity:
		return "$ID"
	}
	return ""
}

// IsRecovery reports whether the webhook tells of a recovery:
// $ALERT_TRANSITION is Recovered, or, when the payload has no transition,
// $ALERT_TYPE is success.
func (e *Event) IsRecovery() bool {
	if e.AlertTransition != "" {
		return e.AlertTransition.IsRecovery()
	}
	return e.AlertType.IsRecovery()
}

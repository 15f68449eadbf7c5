// Package event holds what every typed webhook payload shares: the small
// [Payload] interface the middleware uses to name, order and route events
// without knowing the sender, and [Decode], the one place a raw body becomes a
// typed value.
//
// The provider packages (event/checkly, event/statusstack, event/oncall,
// event/datadog, event/grafana) implement Payload on their types. A user's own
// struct opts in by implementing the same three methods.
package event

import (
	"mime"
	"time"

	"github.com/go-json-experiment/json"
)

// Payload is implemented by typed webhook payloads.
type Payload interface {
	// EventType is the sender's name for what happened: Checkly's
	// ALERT_TYPE, StatusStack's "event", OnCall's event.type, Datadog's
	// event_type, Grafana's status. Routers dispatch on it.
	EventType() string

	// ResourceKey identifies what the event is about (a Checkly check, a
	// StatusStack component or monitor, an OnCall alert group, a Datadog
	// alert cycle, a Grafana alert group). Ordering is kept per resource.
	// Empty means the event cannot be ordered.
	ResourceKey() string

	// OccurredAt is when the event happened by the sender's account, used
	// to order events of one resource. Zero means unknown.
	OccurredAt() time.Time
}

// BodyDecoder is implemented by payloads that decode themselves from a raw
// body, for senders whose bodies are not always JSON (Datadog's "encode as
// form"). contentType is the request's Content-Type, possibly empty.
type BodyDecoder interface {
	DecodeBody(contentType string, body []byte) error
}

// Decode decodes body into dst, which must be a non-nil pointer.
//
// When dst implements BodyDecoder, its DecodeBody decides. Otherwise body is
// JSON, decoded with encoding/json/v2 semantics (github.com/go-json-experiment/json,
// the module that becomes encoding/json/v2): duplicate member names and
// invalid UTF-8 are errors, unknown members are ignored, and member names
// match struct fields case-insensitively as encoding/json (v1) users expect.
// Types with UnmarshalJSON or UnmarshalJSONFrom methods decode themselves.
//
// Errors name the JSON path that failed, never the body's content.
func Decode(contentType string, body []byte, dst any) error {
	if d, ok := dst.(BodyDecoder); ok {
		return d.DecodeBody(contentType, body)
	}
	return json.Unmarshal(body, dst, json.MatchCaseInsensitiveNames(true))
}

// MediaType returns the media type of a Content-Type value in lower case
// without parameters ("application/json; charset=utf-8" gives
// "application/json"), or "" when it cannot be parsed.
func MediaType(contentType string) string {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}

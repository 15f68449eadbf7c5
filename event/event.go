// Package event holds what every typed webhook payload shares: the small
// [Payload] interface the middleware uses to name, order and route events
// without knowing the sender, and [Decode], the one place a raw body becomes a
// typed value.
//
// The provider packages (event/checkly, event/statusstack, event/oncall,
// event/datadog, event/grafana, event/alertmanager, event/pagerduty)
// implement Payload on their types. A user's own struct opts in by
// implementing the same three methods.
package event

import (
	"errors"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event/internal/lenient"
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

// Identified is implemented by payloads whose body carries the sender's own
// identity for the event (Checkly's CHECK_RESULT_ID, Datadog's $ID,
// PagerDuty's event.id). Two different events have different identities,
// so their bodies differ and deduplication can never merge them. "" means
// the body does not carry one (a template that leaves the variable out).
type Identified interface {
	EventID() string
}

// Stamped is implemented by payloads whose body carries the time the sender
// made it, or the time of the run or change it reports (Checkly's
// STARTED_AT, StatusStack's timestamp). Where the body is signed, that time
// is signed too: the middleware refuses a delivery whose stamp is older
// than its route allows, whatever an unsigned header says, so a captured
// delivery cannot be replayed later with a rewritten header. Two events
// stamped at different times have different bodies, as with Identified.
// The zero time means the body does not carry one.
type Stamped interface {
	StampedAt() time.Time
}

// Field names a piece of a payload that a route may need: the event type (a
// router dispatches on it), the resource and time (ordering works on them),
// and the identity (deduplication tells two events apart by it).
type Field string

// The fields a route may need.
const (
	FieldType     Field = "type"
	FieldResource Field = "resource"
	FieldTime     Field = "time"
	FieldIdentity Field = "identity"
)

// Templated is implemented by payloads whose body is whatever a user's
// template renders (Checkly, Grafana OnCall's custom data, Datadog's custom
// payload). TemplateVariable names the sender's template variable that
// carries field f ("ALERT_TYPE", "{{ event.type }}", "$EVENT_TYPE"), or ""
// when none does, so a report of what a body lacks can say what to add to
// the template.
type Templated interface {
	TemplateVariable(f Field) string
}

// BodyDecoder is implemented by payloads that decode themselves from a raw
// body, for senders whose bodies are not always JSON (Datadog's "encode as
// form"). contentType is the request's Content-Type, possibly empty.
type BodyDecoder interface {
	DecodeBody(contentType string, body []byte) error
}

// ErrContentType is returned by Decode for a body whose Content-Type says
// it is not JSON: an authentic delivery labelled text/xml is a
// misconfigured sender, not something to guess at.
var ErrContentType = errors.New("event: content type is not JSON")

// IsJSON reports whether a Content-Type value names JSON:
// application/json or a structured-syntax +json type, with any parameters.
func IsJSON(contentType string) bool {
	mt := MediaType(contentType)
	return mt == "application/json" || (strings.HasSuffix(mt, "+json") && strings.HasPrefix(mt, "application/"))
}

// Decode decodes body into dst, which must be a non-nil pointer.
//
// When dst implements BodyDecoder, its DecodeBody decides. Otherwise a
// Content-Type that is present must name JSON (IsJSON; an absent one is
// taken as JSON, as some senders omit it), else Decode fails with
// ErrContentType, and body is JSON, decoded with encoding/json/v2 semantics (github.com/go-json-experiment/json,
// the module that becomes encoding/json/v2): duplicate member names and
// invalid UTF-8 are errors, unknown members are ignored, and member names
// match struct fields case-insensitively as encoding/json (v1) users expect.
// Types with UnmarshalJSON or UnmarshalJSONFrom methods decode themselves.
//
// Errors name the JSON path that failed, never the body's content.
func Decode(contentType string, body []byte, dst any) error {
	var err error
	if d, ok := dst.(BodyDecoder); ok {
		err = d.DecodeBody(contentType, body)
	} else if contentType != "" && !IsJSON(contentType) {
		return fmt.Errorf("%w: %.64q; send application/json", ErrContentType, contentType)
	} else {
		err = json.Unmarshal(body, dst, json.MatchCaseInsensitiveNames(true))
	}
	if err == nil {
		return nil
	}
	return redact(err)
}

// DecodeError is a JSON decoding error with the body's content left out:
// the JSON decoder's own messages (and those of time.Parse or strconv
// inside custom unmarshalers) quote the offending value, and decode errors
// end up in logs. The original error stays reachable with errors.As for a
// caller who wants it. A custom unmarshaler's error that has an
// Expected() string method (what the value should have been, without the
// value) keeps that text.
type DecodeError struct {
	// Pointer is the RFC 6901 JSON Pointer of the value that failed, ""
	// for the top level or when unknown.
	Pointer string
	// Offset is the byte offset in the body at or after which decoding
	// failed.
	Offset int64
	msg    string
	err    error
}

func (e *DecodeError) Error() string {
	where := e.Pointer
	if where == "" {
		where = "top level"
	}
	return fmt.Sprintf("event: %s: %s (byte %d)", where, e.msg, e.Offset)
}

// Unwrap returns the decoder's original error.
func (e *DecodeError) Unwrap() error { return e.err }

// redact turns the JSON decoder's errors into DecodeErrors; other errors
// (a BodyDecoder's own) pass unchanged.
func redact(err error) error {
	var de *DecodeError
	if errors.As(err, &de) {
		return err
	}
	var se *json.SemanticError
	if errors.As(err, &se) {
		var msg string
		var x interface{ Expected() string }
		if errors.As(se.Err, &x) {
			msg = x.Expected()
		} else {
			msg = "cannot decode JSON"
			if k := lenient.KindName(se.JSONKind); k != "" {
				msg += " " + k
			}
			if se.GoType != nil {
				msg += " into Go " + se.GoType.String()
			}
		}
		return &DecodeError{Pointer: string(se.JSONPointer), Offset: se.ByteOffset, msg: msg, err: err}
	}
	var sy *jsontext.SyntacticError
	if errors.As(err, &sy) {
		// Syntax errors describe structure (an unexpected character, a
		// duplicate member name, invalid UTF-8), not values.
		msg := "invalid JSON"
		if sy.Err != nil {
			msg += ": " + sy.Err.Error()
		}
		return &DecodeError{Pointer: string(sy.JSONPointer), Offset: sy.ByteOffset, msg: msg, err: err}
	}
	return err
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

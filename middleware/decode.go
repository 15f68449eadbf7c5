package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookseal/hookseal/event"
)

// decodeStage decodes the payload and judges its signed time, inside a
// SpanDecode span. On a route with an inbox an undecodable body is kept
// as a dead letter, not lost.
func (rt *Route[T]) decodeStage(ctx context.Context, f *flow, e *Event[T]) Result {
	_, end := rt.p.trace(ctx, SpanDecode)
	res := rt.decode(f, e)
	if !res.decided() {
		res = rt.p.checkStamp(f, stampOf(&e.Payload))
	}
	endSpan(end, res)
	if res.Outcome == BadPayload && rt.p.cfg.runner != nil {
		return rt.accept(ctx, f, res.Err)
	}
	return res
}

// refuseIncomplete answers an incomplete payload 422 on a strict route
// without an inbox (WithStrictPayload); with an inbox it is a dead letter
// (deadLetterIfStrict), and otherwise it is handled and reported.
func (p *pipeline) refuseIncomplete(incomplete error) Result {
	if incomplete != nil && p.cfg.strict && p.cfg.runner == nil {
		return Result{Outcome: Incomplete, status: http.StatusUnprocessableEntity, Err: incomplete}
	}
	return Result{}
}

// deadLetterIfStrict is why a strict route's inbox keeps the entry as a
// dead letter: its payload lacks what the route needs. nil otherwise.
func (p *pipeline) deadLetterIfStrict(incomplete error) error {
	if p.cfg.strict {
		return incomplete
	}
	return nil
}

// decode turns the body into the payload and reads from it what the later
// stages need: the event type, the resource and time for ordering. The
// payload never aliases the pooled body: the decoder copies strings and raw
// JSON values out of it.
func (rt *Route[T]) decode(f *flow, e *Event[T]) Result {
	contentType := f.r.Header.Get("Content-Type")
	e.Delivery, e.Body, e.ContentType = f.d, f.body, contentType
	body, err := rt.remap(contentType, f.body, &e.Payload)
	if err == nil {
		err = event.Decode(contentType, body, &e.Payload)
	}
	if err != nil {
		res := Result{Outcome: BadPayload, Err: fmt.Errorf("decoding %T: %w", e.Payload, err)}
		if s := rt.p.cfg.badPayloadStatus; s != http.StatusBadRequest {
			res.status = s
		}
		return res
	}
	if rt.orderable {
		p := any(&e.Payload).(event.Payload)
		e.Type = p.EventType()
		f.resource, f.occurred = p.ResourceKey(), p.OccurredAt()
		f.rep.EventType, f.rep.Resource, f.rep.OccurredAt = e.Type, f.resource, f.occurred
	}
	return Result{}
}

// remap rewrites a body written by a user's template into the payload's
// own shape, when the route has a template key map (WithTemplateKeys).
// The body as received, which the signature covers, stays Event.Body.
func (rt *Route[T]) remap(contentType string, body []byte, payload *T) ([]byte, error) {
	keys := rt.p.cfg.keys
	if keys == nil || (contentType != "" && !event.IsJSON(contentType)) {
		return body, nil
	}
	return event.Remap(body, keys, any(payload).(event.Mapped))
}

func stampOf(payload any) time.Time {
	if s, ok := payload.(event.Stamped); ok {
		return s.StampedAt()
	}
	return time.Time{}
}

// ErrIncomplete is wrapped by the Result.Err of an Incomplete outcome: the
// body lacks what the route needs. The message names each missing piece and
// the template variable that would carry it.
var ErrIncomplete = errors.New("the body lacks what the route needs")

// incomplete says what the payload lacks that the route needs, or nil:
//
//   - an event type, when the payload has one to give (a router dispatches
//     on it);
//   - a resource and a time, when the route orders events;
//   - an identity: a payload type that can carry one (event.Identified or
//     event.Stamped) and carries neither renders two distinct alerts as
//     identical bodies. Then the delivery's unsigned timestamp, where it
//     has one, is mixed into the dedupe key, so the second alert is not
//     taken for a copy of the first (see the package documentation for
//     what that assumes and allows).
func (rt *Route[T]) incomplete(f *flow, e *Event[T]) error {
	var missing []event.Field
	if rt.orderable && e.Type == "" {
		missing = append(missing, event.FieldType)
	}
	if rt.p.cfg.ordering {
		if f.resource == "" {
			missing = append(missing, event.FieldResource)
		}
		if f.occurred.IsZero() {
			missing = append(missing, event.FieldTime)
		}
	}
	byHeader := false // told apart by the unsigned timestamp header
	if lacksIdentity(&e.Payload) {
		missing = append(missing, event.FieldIdentity)
		if !f.d.TimestampSigned && f.d.ID == "" && !f.d.Timestamp.IsZero() {
			f.key = f.key.Mix(f.d.Timestamp.UTC().Format(time.RFC3339Nano))
			byHeader = true
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return describeMissing(&e.Payload, missing, byHeader)
}

// lacksIdentity reports whether a payload that can carry an identity or a
// stamp carries neither.
func lacksIdentity(payload any) bool {
	id, canID := payload.(event.Identified)
	st, canStamp := payload.(event.Stamped)
	if !canID && !canStamp {
		return false // nothing known about the type: no claim either way
	}
	return (!canID || id.EventID() == "") && (!canStamp || st.StampedAt().IsZero())
}

var missingWhat = map[event.Field]string{
	event.FieldType:     "no event type, so a router cannot dispatch it",
	event.FieldResource: "no resource, so it was not ordered",
	event.FieldTime:     "no event time, so it was not ordered",
	event.FieldIdentity: "no identity and no signed time, so two alerts with identical bodies are told apart only by the unsigned timestamp header, and a replay with a rewritten header is taken for a new alert",
}

// missingIdentityNoHeader is FieldIdentity's reason for a sender that sends
// no timestamp header (Datadog, OnCall): nothing tells two alerts with
// identical bodies apart.
const missingIdentityNoHeader = "no identity and no signed time, and the sender sends no timestamp header, so a second alert with a body identical to one handled within the dedupe window is taken for a duplicate"

// describeMissing says what the payload lacks and which template variable
// would supply each. byHeader says whether the delivery's unsigned
// timestamp header tells identical bodies apart.
func describeMissing(payload any, missing []event.Field, byHeader bool) error {
	tmpl, _ := payload.(event.Templated)
	parts := make([]string, len(missing))
	for i, m := range missing {
		parts[i] = missingWhat[m]
		if m == event.FieldIdentity && !byHeader {
			parts[i] = missingIdentityNoHeader
		}
		if tmpl == nil {
			continue
		}
		v := tmpl.TemplateVariable(m)
		if m == event.FieldIdentity {
			if t := tmpl.TemplateVariable(event.FieldTime); t != "" && t != v {
				v += " or " + t
			}
		}
		if v != "" {
			parts[i] += " (add " + v + " to the template)"
		}
	}
	return fmt.Errorf("%w: %s", ErrIncomplete, strings.Join(parts, "; "))
}

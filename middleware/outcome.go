package middleware

import (
	"net/http"
	"slices"
)

// Outcome is what became of one delivery. It is sent in the
// Hookseal-Outcome response header, passed to the Observer, and decides the
// status code: Outcome.Status is the table, and only the route options
// named there change an entry of it.
type Outcome string

// The outcomes. Deliberate drops answer 2xx because senders retry on
// anything else (Checkly retries every status above 399, five more times).
const (
	// Processed: authentic, fresh, new, in order, complete; the handler
	// returned nil.
	Processed Outcome = "processed"
	// Unhandled: authentic and new, but no handler is registered for its
	// event type. Answered 200 so the sender does not retry.
	Unhandled Outcome = "unhandled"
	// Incomplete: authentic and new, but the body lacks what the route
	// needs (the event type, the resource or time for ordering, an
	// identity); Result.Err names what is missing and the template
	// variable that would carry it. By default the handler ran with what
	// there was and the answer is 200; with WithStrictPayload the handler
	// did not run and the answer is 422.
	Incomplete Outcome = "incomplete"
	// Duplicate: this delivery was processed within the dedupe window.
	Duplicate Outcome = "duplicate"
	// Stale: authentic, but its time (a timestamp, or a signed time in the
	// body) is outside the freshness window.
	Stale Outcome = "stale"
	// OutOfOrder: authentic, but older than an event already processed for
	// the same resource (the late FAILURE retry after its RECOVERY).
	OutOfOrder Outcome = "out_of_order"
	// InFlight: another copy of this delivery is being handled right now.
	// Answered 409 with Retry-After: if that copy fails, the retry runs.
	InFlight Outcome = "in_flight"
	// ClaimLost: the handler succeeded, but the delivery's claim was lost
	// before it could be committed (the store was unreachable for longer
	// than the lease, or dropped the claim), so another copy may have run
	// too: the handler's context was cancelled the moment the loss was
	// seen. Answered 200, since the work is done; the observer hears of it.
	ClaimLost Outcome = "claim_lost"
	// Unauthenticated: missing, malformed or wrong signature or credential.
	Unauthenticated Outcome = "unauthenticated"
	// TooLarge: the body exceeds the limit. Checked before authentication.
	TooLarge Outcome = "too_large"
	// BadRequest: the body could not be read (the client went away or sent
	// a broken chunked encoding). Nothing was authenticated.
	BadRequest Outcome = "bad_request"
	// BadPayload: authentic, but the body does not decode into the route's
	// payload type. Answered 400, or what WithBadPayloadStatus says.
	BadPayload Outcome = "bad_payload"
	// MethodNotAllowed: the request method is not one the route accepts.
	MethodNotAllowed Outcome = "method_not_allowed"
	// HandlerError: the handler returned an error or panicked. Answered 500
	// (or what WithHandlerErrorStatus says) so the sender retries; the
	// dedupe claim is released for that retry.
	HandlerError Outcome = "handler_error"
	// StoreUnavailable: the dedupe/ordering store failed. Answered 503 so
	// the sender retries later (fail closed), unless the route fails open.
	StoreUnavailable Outcome = "store_unavailable"
	// Forwarded: a Guard authenticated the delivery and passed it to the
	// next handler, which wrote the answer (Report.Status is its status).
	Forwarded Outcome = "forwarded"

	// Accepted: a route with an inbox stored the delivery durably; its
	// handler runs on the inbox's runner. Answered 200: the sender's part
	// is done.
	Accepted Outcome = "accepted"
	// InboxFull: the route's inbox is at its bound. Answered 503 with
	// Retry-After so the sender retries; nothing was stored.
	InboxFull Outcome = "inbox_full"
	// DeadLettered: the delivery is a dead letter in the route's inbox: it
	// was kept there when accepted (an undecodable body, an incomplete one
	// on a strict route), or its handler gave up on it. Answered 200; an
	// operator can show, revive or drop it (hookseal inbox).
	DeadLettered Outcome = "dead_letter"
	// Retrying: reported by the inbox's runner, not answered: the
	// handler failed and the entry waits for its backoff.
	Retrying Outcome = "retrying"
	// Superseded: reported by the inbox's runner, not answered: a newer
	// event of the resource replaced this pending one (WithCoalescing).
	Superseded Outcome = "superseded"
	// NotFound: no route serves the request's path. A route never reports
	// it; NotFoundHandler does, as the fallback of the mux that serves the
	// routes, so observers count what scanners probe. Answered 404.
	NotFound Outcome = "not_found"
)

// allOutcomes is the list AllOutcomes copies.
var allOutcomes = []Outcome{
	Processed, Unhandled, Incomplete, Duplicate, Stale, OutOfOrder, InFlight, ClaimLost,
	Unauthenticated, TooLarge, BadRequest, BadPayload, MethodNotAllowed, HandlerError,
	StoreUnavailable, Forwarded, Accepted, InboxFull, DeadLettered, Retrying, Superseded, NotFound,
}

// AllOutcomes returns every outcome, for metrics and tests that declare
// their label values up front. The slice is the caller's to keep.
func AllOutcomes() []Outcome { return slices.Clone(allOutcomes) }

// Status is the HTTP status code the outcome is answered with by default.
// Three route options change it for a route: WithBadPayloadStatus (for
// BadPayload), WithHandlerErrorStatus (for HandlerError) and
// WithStrictPayload (Incomplete answers 422).
func (o Outcome) Status() int {
	switch o {
	case Processed, Unhandled, Incomplete, Duplicate, Stale, OutOfOrder, ClaimLost, Forwarded,
		Accepted, DeadLettered, Retrying, Superseded:
		return http.StatusOK
	case InFlight:
		return http.StatusConflict
	case Unauthenticated:
		return http.StatusUnauthorized
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case BadRequest, BadPayload:
		return http.StatusBadRequest
	case MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case NotFound:
		return http.StatusNotFound
	case StoreUnavailable, InboxFull:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

package middleware

import (
	"net/http"
	"strconv"
	"time"
)

// Outcome is what became of one delivery. It is sent in the
// Hookseal-Outcome response header, passed to the Observer, and decides the
// status code: the table in Outcome.Status is the only place that does.
type Outcome string

// The outcomes. Deliberate drops answer 2xx because senders retry on
// anything else (Checkly retries every status above 399, five more times).
const (
	// Processed: authentic, new, in order; the handler returned nil.
	Processed Outcome = "processed"
	// Unhandled: authentic and new, but no handler is registered for its
	// event type. Answered 200 so the sender does not retry.
	Unhandled Outcome = "unhandled"
	// Duplicate: this delivery was processed within the dedupe window.
	Duplicate Outcome = "duplicate"
	// Stale: authentic, but its timestamp is outside the freshness window.
	Stale Outcome = "stale"
	// OutOfOrder: authentic, but older than an event already processed for
	// the same resource (the late FAILURE retry after its RECOVERY).
	OutOfOrder Outcome = "out_of_order"
	// InFlight: another copy of this delivery is being handled right now.
	// Answered 409 with Retry-After: if that copy fails, the retry runs.
	InFlight Outcome = "in_flight"
	// Unauthenticated: missing, malformed or wrong signature or credential.
	Unauthenticated Outcome = "unauthenticated"
	// TooLarge: the body exceeds the limit. Checked before authentication.
	TooLarge Outcome = "too_large"
	// BadRequest: the body could not be read (the client went away or sent
	// a broken chunked encoding). Nothing was authenticated.
	BadRequest Outcome = "bad_request"
	// BadPayload: authentic, but the body does not decode into the route's
	// payload type.
	BadPayload Outcome = "bad_payload"
	// MethodNotAllowed: the request method is not one the route accepts.
	MethodNotAllowed Outcome = "method_not_allowed"
	// HandlerError: the handler returned an error or panicked. Answered 500
	// so the sender retries; the dedupe claim is released for that retry.
	HandlerError Outcome = "handler_error"
	// StoreUnavailable: the dedupe/ordering store failed. Answered 503 so
	// the sender retries later (fail closed), unless the route fails open.
	StoreUnavailable Outcome = "store_unavailable"
	// Forwarded: the verify-only middleware authenticated the delivery and
	// passed it to the next handler, which writes the answer.
	Forwarded Outcome = "forwarded"
)

// Outcomes lists every outcome a route can answer with, for tests and
// metrics that want to pre-declare label values.
var Outcomes = []Outcome{
	Processed, Unhandled, Duplicate, Stale, OutOfOrder, InFlight, Unauthenticated,
	TooLarge, BadRequest, BadPayload, MethodNotAllowed, HandlerError, StoreUnavailable,
}

// Status is the HTTP status code the outcome is answered with.
func (o Outcome) Status() int {
	switch o {
	case Processed, Unhandled, Duplicate, Stale, OutOfOrder:
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
	case StoreUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// OutcomeHeader is the response header that carries the outcome.
const OutcomeHeader = "Hookseal-Outcome"

// Result is the decision for one request: what to answer and why. The core
// decides; net/http, echo and gin write it with their own idioms.
type Result struct {
	Outcome Outcome
	// Err is the cause behind a failed or dropped delivery, for logs and
	// observers (verification error, decode error, store error, the
	// handler's error). It never contains secrets, and it is never written
	// to the response.
	Err error
	// RetryAfter is set for InFlight: when the sender should try again.
	RetryAfter time.Duration
	// Allow lists the accepted methods, for MethodNotAllowed.
	Allow string
	// closeConn asks the server to close the connection (a body over the
	// limit was left unread).
	closeConn bool
}

// Status is the HTTP status code to answer with.
func (r Result) Status() int { return r.Outcome.Status() }

// SetHeaders sets the response headers the result calls for: the outcome,
// Content-Type (Body is JSON), Cache-Control, Retry-After, Allow,
// Connection: close. Adapters that write the body themselves call it before
// writing the status.
func (r Result) SetHeaders(h http.Header) {
	h[OutcomeHeader] = outcomeValues(r.Outcome)
	h["Content-Type"] = jsonType
	h["Cache-Control"] = noStore
	if r.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((r.RetryAfter+time.Second-1)/time.Second)))
	}
	if r.Allow != "" {
		h.Set("Allow", r.Allow)
	}
	if r.closeConn {
		h.Set("Connection", "close")
	}
}

// Body is the response body: a small JSON object naming the outcome, the
// same bytes for every request with that outcome. It never carries the
// cause: error detail is for logs, not for whoever sent the request.
func (r Result) Body() []byte {
	if b, ok := outcomeBodies[r.Outcome]; ok {
		return b
	}
	return []byte(`{"outcome":"` + string(r.Outcome) + `"}` + "\n")
}

// WriteTo answers the request on w.
func (r Result) WriteTo(w http.ResponseWriter) {
	h := w.Header()
	r.SetHeaders(h)
	w.WriteHeader(r.Status())
	_, _ = w.Write(r.Body())
}

var (
	jsonType      = []string{"application/json"}
	noStore       = []string{"no-store"}
	outcomeBodies = map[Outcome][]byte{}
	outcomeHdrs   = map[Outcome][]string{}
)

func init() {
	for _, o := range append(Outcomes, Forwarded) {
		outcomeBodies[o] = []byte(`{"outcome":"` + string(o) + `"}` + "\n")
		outcomeHdrs[o] = []string{string(o)}
	}
}

// outcomeValues returns the header value slice for o, shared between
// requests so setting the header does not allocate. net/http never mutates
// header values it is given.
func outcomeValues(o Outcome) []string {
	if v, ok := outcomeHdrs[o]; ok {
		return v
	}
	return []string{string(o)}
}

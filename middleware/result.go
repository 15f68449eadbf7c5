package middleware

import (
	"net/http"
	"strconv"
	"time"
)

// OutcomeHeader is the response header that carries the outcome.
const OutcomeHeader = "Hookseal-Outcome"

// Result is the decision for one request: what to answer and why. The core
// decides; net/http (Respond), echo and gin write it with their own idioms.
type Result struct {
	Outcome Outcome
	// Err is the cause behind a failed, dropped or incomplete delivery, for
	// logs and observers (verification error, decode error, what an
	// incomplete body lacks, store error, the handler's error). It never
	// contains secrets, and it is never written to the response.
	Err error
	// RetryAfter is set for InFlight: when the sender should try again.
	RetryAfter time.Duration
	// Allow lists the accepted methods, for MethodNotAllowed.
	Allow string

	// status overrides Outcome.Status when a route option says so, and
	// holds the next handler's status for Forwarded.
	status int
	// closeConn asks the server to close the connection (a body over the
	// limit was left unread).
	closeConn bool
}

// decided reports whether a stage has decided the request's outcome.
func (r Result) decided() bool { return r.Outcome != "" }

// Status is the HTTP status code to answer with.
func (r Result) Status() int {
	if r.status != 0 {
		return r.status
	}
	return r.Outcome.Status()
}

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

// Respond answers the request on w: headers, status and body.
func (r Result) Respond(w http.ResponseWriter) {
	r.SetHeaders(w.Header())
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
	for _, o := range allOutcomes {
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

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookseal/hookseal/middleware"
)

// lineLog writes one JSON object per line: processed events to out, every
// other outcome and the receiver's own messages to errw. Lines are written
// whole, one Write each, so concurrent requests never interleave. Nothing it
// writes comes from a secret: reasons are verify and middleware errors,
// which name headers, lengths and secret IDs only.
type lineLog struct {
	mu   sync.Mutex
	out  io.Writer
	errw io.Writer
	// noiseEvery > 1 prints one in every noiseEvery lines of requests
	// anyone on the internet can send (unauthenticated,
	// method_not_allowed, not_found): an endpoint scanners find would
	// otherwise bury the lines that matter. /metrics still counts each.
	noiseEvery int
	noise      atomic.Uint64
}

// processedLine is what listen prints to stdout for each processed event.
type processedLine struct {
	Provider string `json:"provider"` // the route's name
	Type     string `json:"type"`
	Resource string `json:"resource"`
	Time     string `json:"time"`     // the event's time, RFC 3339; "" when it has none
	Delivery string `json:"delivery"` // the dedupe key, hex
}

// outcomeLine is what listen prints to stderr for every other outcome.
type outcomeLine struct {
	Provider string `json:"provider,omitempty"` // the route's name
	Path     string `json:"path,omitempty"`     // for requests without a route
	Outcome  string `json:"outcome"`
	Status   int    `json:"status,omitempty"` // none for an inbox's run, which answers no one
	Reason   string `json:"reason"`
	Type     string `json:"type,omitempty"`
	Resource string `json:"resource,omitempty"`
	Delivery string `json:"delivery,omitempty"`
	Attempt  int    `json:"attempt,omitempty"` // an inbox run's number
}

func (l *lineLog) write(w io.Writer, v any) {
	if l == nil || w == nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = w.Write(b)
}

// processed prints p on stdout. It is on every processed delivery's path,
// before the sender is answered: the line is encoded without reflection
// into a pooled buffer (the bytes json.Marshal gives), then written whole
// with one Write, as every line is.
func (l *lineLog) processed(p processedLine) {
	if l == nil || l.out == nil {
		return
	}
	bp := linePool.Get().(*[]byte)
	b := appendProcessedLine((*bp)[:0], p)
	l.mu.Lock()
	_, _ = l.out.Write(b)
	l.mu.Unlock()
	if cap(b) <= maxPooledLine {
		*bp = b
		linePool.Put(bp)
	}
}

// Line buffers for processed lines; one grown by an unusually long line is
// left to the garbage collector.
var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

const maxPooledLine = 4 << 10

// appendProcessedLine appends p as json.Marshal encodes it, and a newline.
func appendProcessedLine(b []byte, p processedLine) []byte {
	b = append(b, `{"provider":`...)
	b = appendJSONString(b, p.Provider)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, p.Type)
	b = append(b, `,"resource":`...)
	b = appendJSONString(b, p.Resource)
	b = append(b, `,"time":`...)
	b = appendJSONString(b, p.Time)
	b = append(b, `,"delivery":`...)
	b = appendJSONString(b, p.Delivery)
	return append(b, "}\n"...)
}

// appendJSONString appends s as a JSON string, byte for byte as
// encoding/json writes it: printable ASCII other than " \ < > & as is,
// anything else (escapes, HTML-safe escapes, UTF-8 checks) by json.Marshal
// itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, err := json.Marshal(s)
			if err != nil { // cannot happen for a string
				return append(b, `""`...)
			}
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func (l *lineLog) outcome(o outcomeLine) {
	if l != nil && l.noiseEvery > 1 && isNoise(o.Outcome) && (l.noise.Add(1)-1)%uint64(l.noiseEvery) != 0 {
		return
	}
	l.write(l.errw, o)
}

// isNoise reports whether outcome is one a request from anyone gets.
func isNoise(outcome string) bool {
	switch middleware.Outcome(outcome) {
	case middleware.Unauthenticated, middleware.MethodNotAllowed, middleware.NotFound:
		return true
	}
	return false
}

func (l *lineLog) info(v any) { l.write(l.errw, v) }

// observer reports each request of route to the log.
func (l *lineLog) observer(route string) middleware.Observer {
	return func(_ context.Context, r middleware.Report) {
		if r.Outcome == middleware.Processed && r.Attempt > 0 {
			// An inbox's run: its handler printed the line, with the
			// event type the runner's report does not carry.
			return
		}
		if r.Outcome == middleware.Processed {
			p := processedLine{Provider: route, Type: r.EventType, Resource: r.Resource, Delivery: r.Delivery}
			if !r.OccurredAt.IsZero() {
				p.Time = r.OccurredAt.UTC().Format(time.RFC3339Nano)
			}
			l.processed(p)
			return
		}
		o := outcomeLine{
			Provider: route, Outcome: string(r.Outcome), Status: r.Status(),
			Type: r.EventType, Resource: r.Resource, Delivery: r.Delivery, Attempt: r.Attempt,
		}
		if r.Attempt > 0 {
			o.Status = 0
		}
		if r.Err != nil {
			o.Reason = r.Err.Error()
		} else {
			o.Reason = reasons[r.Outcome]
		}
		l.outcome(o)
	}
}

// reasons explain the outcomes that carry no error.
var reasons = map[middleware.Outcome]string{
	middleware.Duplicate: "this delivery was already processed within the dedupe window",
	middleware.Unhandled: "no handler for this event type",
	middleware.Accepted:  "kept in the inbox; its handler runs next",
}

// errorLogWriter turns http.Server's error log into JSON lines on stderr,
// so stderr holds nothing but JSON lines.
type errorLogWriter struct{ l *lineLog }

func (w errorLogWriter) Write(p []byte) (int, error) {
	msg := string(p)
	for len(msg) > 0 && msg[len(msg)-1] == '\n' {
		msg = msg[:len(msg)-1]
	}
	w.l.info(struct {
		Msg   string `json:"msg"`
		Error string `json:"error"`
	}{"http server", msg})
	return len(p), nil
}

// redisLog takes go-redis's own messages (a connection pool that cannot
// dial, for one) and writes them as JSON lines, so stderr stays one JSON
// object per line. go-redis (v9.23.0, read for this) logs addresses,
// connection IDs, errors and Sentinel master names, never its options or a
// password; TestListenReplicasShareRedis checks that through an outage.
type redisLog struct{ l *lineLog }

func (r redisLog) Printf(_ context.Context, format string, v ...any) {
	r.l.info(struct {
		Msg    string `json:"msg"`
		Detail string `json:"detail"`
	}{"redis client", fmt.Sprintf(format, v...)})
}

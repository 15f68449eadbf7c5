package middleware

import (
	"context"
	"log/slog"
	"time"
)

// Report tells an Observer what became of one request: the Result (outcome,
// status, cause) and what the route learned on the way.
type Report struct {
	Result

	// Route is the route's name (WithName), or the pattern net/http's
	// ServeMux matched; "" when neither is known.
	Route string
	// Method, Path and RemoteAddr are the request's. Path is chosen by
	// whoever sent the request: log it, but never use it as a metric label.
	Method, Path, RemoteAddr string

	// Provider is the verifier's sender name ("checkly"); set once the
	// verifier has run, even for failures.
	Provider string
	// SecretID names the secret or credential that matched; never the
	// secret itself.
	SecretID string
	// EventType, Resource and OccurredAt come from the decoded payload
	// (event.Payload); empty for requests that did not get that far.
	EventType  string
	Resource   string
	OccurredAt time.Time
	// Delivery is the dedupe key in hex, empty before authentication. It is
	// also the idempotency key the handler saw (Event.IdempotencyKey).
	Delivery string
	// SentAt is the sender's timestamp (Delivery.Timestamp), if any.
	SentAt time.Time
	// Duration is the time from the request reaching the route to the
	// decision, handler included.
	Duration time.Duration
}

// Observer is told of every request's outcome. It runs on the request's
// goroutine before the answer is written: keep it fast, and do not retain
// the request context.
type Observer func(ctx context.Context, r Report)

// SlogObserver returns an Observer that logs one line per request: Info for
// processed and deliberate drops, Warn for rejected requests and for
// authentic deliveries the route could not fully use (incomplete, claim
// lost), Error for handler and store failures. Nothing secret is logged:
// the line carries the secret's ID and the dedupe key, never a secret or a
// signature.
func SlogObserver(l *slog.Logger) Observer {
	if l == nil {
		l = slog.Default()
	}
	return func(ctx context.Context, r Report) {
		level := slog.LevelInfo
		switch r.Outcome {
		case HandlerError, StoreUnavailable:
			level = slog.LevelError
		case Unauthenticated, TooLarge, BadRequest, BadPayload, MethodNotAllowed, InFlight, Incomplete, ClaimLost:
			level = slog.LevelWarn
		}
		if !l.Enabled(ctx, level) {
			return
		}
		attrs := make([]slog.Attr, 0, 12)
		attrs = append(attrs,
			slog.String("outcome", string(r.Outcome)),
			slog.Int("status", r.Status()),
			slog.Duration("duration", r.Duration))
		for _, a := range [...]struct{ k, v string }{
			{"route", r.Route}, {"provider", r.Provider}, {"event_type", r.EventType},
			{"resource", r.Resource}, {"secret_id", r.SecretID}, {"delivery", r.Delivery},
			{"method", r.Method}, {"path", r.Path}, {"remote_addr", r.RemoteAddr},
		} {
			if a.v != "" {
				attrs = append(attrs, slog.String(a.k, a.v))
			}
		}
		if r.Err != nil {
			attrs = append(attrs, slog.String("error", r.Err.Error()))
		}
		l.LogAttrs(ctx, level, "webhook", attrs...)
	}
}

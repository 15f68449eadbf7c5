package middleware

import (
	"context"
	"log/slog"
	"time"
)

// Report tells an Observer what became of one request.
type Report struct {
	Outcome Outcome
	Status  int
	// Provider is the verifier's sender name ("checkly"); set once the
	// verifier has run, even for failures.
	Provider string
	// EventType, Resource and OccurredAt come from the decoded payload
	// (event.Payload); empty for requests that did not get that far.
	EventType  string
	Resource   string
	OccurredAt time.Time
	// SecretID names the secret or credential that matched; never the
	// secret itself.
	SecretID string
	// Delivery is the dedupe key in hex, empty before authentication.
	Delivery string
	// SentAt is the sender's timestamp (Delivery.Timestamp), if any.
	SentAt time.Time
	// Duration is the time from the request reaching the route to the
	// decision, handler included.
	Duration time.Duration
	// Err is the cause behind any outcome but Processed (and the commit
	// error, rarely, behind a Processed one). It never contains secrets.
	Err error
}

// Observer is told of every request's outcome. It runs on the request's
// goroutine before the answer is written: keep it fast, and do not retain
// the request context.
type Observer func(ctx context.Context, r Report)

// SlogObserver returns an Observer that logs one line per request: Info for
// processed and deliberate drops, Warn for rejected requests, Error for
// handler and store failures. Nothing secret is logged: the line carries the
// secret's ID and the dedupe key, never a secret or a signature.
func SlogObserver(l *slog.Logger) Observer {
	if l == nil {
		l = slog.Default()
	}
	return func(ctx context.Context, r Report) {
		level := slog.LevelInfo
		switch r.Outcome {
		case HandlerError, StoreUnavailable:
			level = slog.LevelError
		case Unauthenticated, TooLarge, BadRequest, BadPayload, MethodNotAllowed, InFlight:
			level = slog.LevelWarn
		}
		if !l.Enabled(ctx, level) {
			return
		}
		attrs := make([]slog.Attr, 0, 10)
		attrs = append(attrs,
			slog.String("outcome", string(r.Outcome)),
			slog.Int("status", r.Status),
			slog.Duration("duration", r.Duration))
		if r.Provider != "" {
			attrs = append(attrs, slog.String("provider", r.Provider))
		}
		if r.EventType != "" {
			attrs = append(attrs, slog.String("event_type", r.EventType))
		}
		if r.Resource != "" {
			attrs = append(attrs, slog.String("resource", r.Resource))
		}
		if r.SecretID != "" {
			attrs = append(attrs, slog.String("secret_id", r.SecretID))
		}
		if r.Delivery != "" {
			attrs = append(attrs, slog.String("delivery", r.Delivery))
		}
		if r.Err != nil {
			attrs = append(attrs, slog.String("error", r.Err.Error()))
		}
		l.LogAttrs(ctx, level, "webhook", attrs...)
	}
}

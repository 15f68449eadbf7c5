package middleware

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hookseal/hookseal/verify"
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
	// Tenant is the tenant the request named, on a route with WithTenant,
	// whether or not the source knows it. Like Path, it is chosen by
	// whoever sent the request: log it, but never use it as a metric label.
	Tenant string
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
	// decision, handler included; for a run, the handler's time.
	Duration time.Duration
	// Attempt is 0 for a request, and for a report of an inbox's runner
	// (WithInbox) the run's number: 1, 2, ... A metric can tell requests
	// from runs by it.
	Attempt int
}

// reasons are the causes Reason names, in the order it tests them, with
// the outcome each comes with.
var reasons = [...]struct {
	err     error
	reason  string
	outcome Outcome
}{
	{verify.ErrUnknownTenant, "unknown_tenant", Unauthenticated},
	{verify.ErrSecretsUnavailable, "secrets_unavailable", StoreUnavailable},
	{verify.ErrMissingSignature, "missing_signature", Unauthenticated},
	{verify.ErrMalformedSignature, "malformed_signature", Unauthenticated},
	{verify.ErrInvalidSignature, "invalid_signature", Unauthenticated},
	{verify.ErrUnauthorized, "unauthorized", Unauthenticated},
	{verify.ErrMissingTimestamp, "missing_timestamp", Unauthenticated},
	{verify.ErrMalformedTimestamp, "malformed_timestamp", Unauthenticated},
	{verify.ErrTooOld, "too_old", Stale},
	{verify.ErrTooNew, "too_new", Stale},
}

// Reasons lists the values Report.Reason gives reports with outcome o (for
// unauthenticated, stale and store_unavailable; none for the others), so a
// metrics observer can create every series at zero.
func (o Outcome) Reasons() []string {
	var out []string
	for _, c := range reasons {
		if c.outcome == o {
			out = append(out, c.reason)
		}
	}
	return out
}

// Reason names why a delivery was refused or found stale, from a small
// fixed set, for a metric label beside the outcome: unknown_tenant,
// missing_signature, malformed_signature, invalid_signature, unauthorized,
// missing_timestamp, malformed_timestamp (unauthenticated), too_old,
// too_new (stale), secrets_unavailable (store_unavailable: a tenant's
// secrets could not be looked up, WithTenant); "" for every other report.
// Unlike Err, it is bounded and carries nothing a sender chose.
func (r Report) Reason() string {
	if r.Err == nil {
		return ""
	}
	for _, c := range reasons {
		if errors.Is(r.Err, c.err) {
			return c.reason
		}
	}
	return ""
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
//
// Requests anyone on the internet can send (unauthenticated, method not
// allowed, and not found from NotFoundHandler) are noise on an exposed
// endpoint: SlogNoiseLevel logs them at
// another level and SlogSampleNoise logs only some of them. Metrics
// observers still count every one.
func SlogObserver(l *slog.Logger, opts ...SlogOption) Observer {
	if l == nil {
		l = slog.Default()
	}
	c := slogConfig{noiseLevel: slog.LevelWarn, noiseEvery: 1}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	var noise atomic.Uint64
	return func(ctx context.Context, r Report) {
		level := slog.LevelInfo
		switch r.Outcome {
		case HandlerError, StoreUnavailable, InboxFull:
			level = slog.LevelError
		case Unauthenticated, MethodNotAllowed, NotFound:
			level = c.noiseLevel
			if c.noiseEvery > 1 && (noise.Add(1)-1)%uint64(c.noiseEvery) != 0 {
				return
			}
		case TooLarge, BadRequest, BadPayload, InFlight, Incomplete, ClaimLost, DeadLettered, Retrying:
			level = slog.LevelWarn
		}
		if !l.Enabled(ctx, level) {
			return
		}
		attrs := make([]slog.Attr, 0, 13)
		attrs = append(attrs,
			slog.String("outcome", string(r.Outcome)),
			slog.Int("status", r.Status()),
			slog.Duration("duration", r.Duration))
		for _, a := range [...]struct{ k, v string }{
			{"reason", r.Reason()}, {"route", r.Route}, {"provider", r.Provider}, {"tenant", r.Tenant}, {"event_type", r.EventType},
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

// SlogOption configures SlogObserver.
type SlogOption func(*slogConfig)

type slogConfig struct {
	noiseLevel slog.Level
	noiseEvery int
}

// SlogNoiseLevel sets the level unauthenticated, method-not-allowed and
// not-found requests are logged at. Default slog.LevelWarn; slog.LevelDebug keeps an
// endpoint that scanners find out of the warnings.
func SlogNoiseLevel(level slog.Level) SlogOption {
	return func(c *slogConfig) { c.noiseLevel = level }
}

// SlogSampleNoise logs one in every n unauthenticated, method-not-allowed
// and not-found requests (the first, the n+1st, ...). n <= 1 logs
// every one, the default.
func SlogSampleNoise(n int) SlogOption {
	return func(c *slogConfig) { c.noiseEvery = max(n, 1) }
}

package middleware

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/verify"
)

// accept stores an authentic, fresh, in-order delivery in the route's
// inbox and answers accepted once the inbox has it: the handler runs later,
// on the inbox's runner, as often as it takes.
//
// The inbox is the route's dedupe: it appends a delivery once per key, and
// remembers the keys of handled ones for its retention, so a copy is a
// duplicate without a claim in the store. That saves the store two writes
// per delivery (claim and commit, each durable with the file backend) and
// leaves nothing to clean up after a crash: an entry is there or it is not.
func (rt *Route[T]) accept(ctx context.Context, f *flow, dead error) Result {
	ctx, end := rt.p.trace(ctx, SpanAccept)
	res := rt.append(ctx, f, dead)
	endSpan(end, res)
	return res
}

// append stores the delivery in the inbox.
func (rt *Route[T]) append(ctx context.Context, f *flow, dead error) Result {
	p := rt.p
	f.rep.Delivery = f.key.String()
	e := inbox.Entry{
		Key: f.rep.Delivery, Route: rt.name, EventTime: f.occurred, Coalesce: p.cfg.coalesce,
		Body: slices.Clone(f.body), Meta: deliveryMeta(f.d, f.r.Header.Get("Content-Type")),
	}
	if p.cfg.ordering && f.resource != "" && !f.occurred.IsZero() {
		e.Resource = f.d.Provider + ":" + f.d.Scope + ":" + f.resource
	}
	if f.tenant != "" {
		e.Meta[metaTenant] = f.tenant
	}
	if dead != nil {
		e.Dead, e.LastError = true, dead.Error()
	}
	dctx, cancel := p.detached(ctx)
	defer cancel()
	_, added, err := p.cfg.runner.Inbox().Append(dctx, e)
	switch {
	case errors.Is(err, inbox.ErrFull):
		return Result{Outcome: InboxFull, RetryAfter: p.cfg.retryAfter, Err: err}
	case err != nil:
		return Result{Outcome: StoreUnavailable, Err: fmt.Errorf("appending to the inbox: %w", err)}
	case !added:
		return Result{Outcome: Duplicate}
	case dead != nil:
		return Result{Outcome: DeadLettered, Err: dead}
	}
	p.cfg.runner.Notify()
	return Result{Outcome: Accepted}
}

// The Meta keys an entry carries, to rebuild its event when it runs.
const (
	metaContentType     = "content-type"
	metaProvider        = "provider"
	metaSecretID        = "secret-id"
	metaScope           = "scope"
	metaTimestamp       = "timestamp"
	metaTimestampSigned = "timestamp-signed"
	metaBodySigned      = "body-signed"
	metaID              = "id"
	metaKey             = "key"
	metaTenant          = "tenant"
)

func deliveryMeta(d verify.Delivery, contentType string) map[string]string {
	m := map[string]string{
		metaContentType: contentType, metaProvider: d.Provider, metaSecretID: d.SecretID, metaScope: d.Scope,
		metaTimestampSigned: strconv.FormatBool(d.TimestampSigned), metaBodySigned: strconv.FormatBool(d.BodySigned),
		metaID: d.ID, metaKey: d.Key.String(),
	}
	if !d.Timestamp.IsZero() {
		m[metaTimestamp] = d.Timestamp.UTC().Format(time.RFC3339Nano)
	}
	return m
}

func deliveryFromMeta(m map[string]string) verify.Delivery {
	d := verify.Delivery{
		Provider: m[metaProvider], SecretID: m[metaSecretID], Scope: m[metaScope], ID: m[metaID],
		TimestampSigned: m[metaTimestampSigned] == "true", BodySigned: m[metaBodySigned] == "true",
	}
	if t, err := time.Parse(time.RFC3339Nano, m[metaTimestamp]); err == nil {
		d.Timestamp = t
	}
	if k, err := hexKey(m[metaKey]); err == nil {
		d.Key = k
	}
	return d
}

func hexKey(s string) (verify.Key, error) {
	var k verify.Key
	if len(s) != 2*len(k) {
		return k, errors.New("not a key")
	}
	for i := range k {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return verify.Key{}, err
		}
		k[i] = byte(v)
	}
	return k, nil
}

// inboxHandler runs a route's entries on the inbox's runner: the stored
// body decoded again, the route's handler called with the entry's attempt
// and idempotency key, and each run reported to the route's observers.
type inboxHandler[T any] struct{ rt *Route[T] }

// Run implements inbox.Handler.
func (h inboxHandler[T]) Run(ctx context.Context, entry inbox.Entry) error {
	ctx, end := h.rt.p.trace(ctx, SpanRun)
	err := h.run(ctx, entry)
	endSpan(end, Result{Err: err})
	return err
}

func (h inboxHandler[T]) run(ctx context.Context, entry inbox.Entry) error {
	rt := h.rt
	var e Event[T]
	contentType := entry.Meta[metaContentType]
	e.Delivery, e.Body, e.ContentType = deliveryFromMeta(entry.Meta), entry.Body, contentType
	body, err := rt.remap(contentType, entry.Body, &e.Payload)
	if err == nil {
		err = event.Decode(contentType, body, &e.Payload)
	}
	if err != nil {
		// It decoded when it was accepted; a handler change since then is
		// nothing a retry fixes.
		return inbox.Permanent(fmt.Errorf("decoding %T: %w", e.Payload, err))
	}
	if rt.orderable {
		e.Type = any(&e.Payload).(event.Payload).EventType()
	}
	e.IdempotencyKey, e.Attempt, e.Fence = entry.Key, entry.Attempts, uint64(entry.Attempts)
	ctx = withTenant(ctx, entry.Meta[metaTenant])
	if err := rt.fn(ctx, e); err != nil && !errors.Is(err, ErrUnhandled) {
		return err
	}
	return nil
}

// Report implements inbox.Reporter: the route's observers hear of every run.
func (h inboxHandler[T]) Report(ctx context.Context, r inbox.Report) {
	p := h.rt.p
	if len(p.cfg.observers) == 0 {
		return
	}
	rep := Report{
		Result:   Result{Outcome: runOutcomes[r.Outcome], Err: r.Err},
		Route:    h.rt.name,
		Provider: r.Entry.Meta[metaProvider], SecretID: r.Entry.Meta[metaSecretID], Tenant: r.Entry.Meta[metaTenant],
		Resource: r.Entry.Resource, OccurredAt: r.Entry.EventTime, Delivery: r.Entry.Key,
		Duration: r.Duration, Attempt: max(r.Entry.Attempts, 1),
	}
	if rep.Outcome == "" {
		rep.Outcome = HandlerError
	}
	for _, o := range p.cfg.observers {
		o(ctx, rep)
	}
}

var runOutcomes = map[inbox.Outcome]Outcome{
	inbox.Acked: Processed, inbox.Retried: Retrying, inbox.Returned: Retrying, inbox.Unrouted: Retrying,
	inbox.Buried: DeadLettered, inbox.Superseded: Superseded, inbox.LeaseLost: ClaimLost,
	inbox.StoreError: StoreUnavailable,
}

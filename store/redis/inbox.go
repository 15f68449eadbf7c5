package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/inbox"
)

// Inbox is an [inbox.Inbox] kept in Redis, on a stream read through a
// consumer group, for receivers running as several replicas: any replica
// accepts a delivery, any replica runs it, a crashed replica's entries are
// taken over by the others once their leases run out, and the entries of
// one resource run one at a time, in event-time order, whichever replicas
// take them. See the package documentation ("# Inbox") for its keys,
// scripts, memory and durability.
//
// Each replica makes its own Inbox with the same name (and prefix); each
// Inbox is one consumer of the group. It is safe for concurrent use.
type Inbox struct {
	client   redis.UniversalClient
	name     string
	keys     []string // the fixed keys, KEYS of every script
	prefix   string   // of the per-entry, per-key and per-resource keys, ARGV[1]
	consumer string
	cfg      inboxConfig
}

var _ inbox.Inbox = (*Inbox)(nil)

// Default bounds of an Inbox: those of [inbox.Memory], so that a receiver
// moved from one backend to the other keeps its limits.
const (
	DefaultInboxMaxEntries = inbox.DefaultMaxEntries
	DefaultInboxMaxBytes   = inbox.DefaultMaxBytes
	DefaultInboxRetention  = inbox.DefaultRetention
)

// ErrNotReplicated is the error Append returns, wrapped, when it stored
// the entry on the primary but fewer replicas than [WithWaitReplicas] asks
// for acknowledged it in time: the entry is not accepted (a route answers
// 503 and the sender retries; the retry finds the entry and waits again),
// but it may still run.
var ErrNotReplicated = errors.New("redisstore: not acknowledged by enough replicas")

// InboxOption configures an [Inbox].
type InboxOption func(*inboxConfig)

type inboxConfig struct {
	prefix      string
	maxEntries  int
	maxBytes    int
	retention   time.Duration
	consumer    string
	timeout     time.Duration
	waitN       int
	waitTimeout time.Duration
}

// WithMaxEntries bounds the entries held, pending, running and dead
// together; Append fails with [inbox.ErrFull] beyond it. n <= 0 selects
// [DefaultInboxMaxEntries].
func WithMaxEntries(n int) InboxOption { return func(c *inboxConfig) { c.maxEntries = n } }

// WithMaxBytes bounds the bodies held, together; Append fails with
// [inbox.ErrFull] beyond it. n <= 0 selects [DefaultInboxMaxBytes]. It
// counts bodies only: see the package documentation for what an entry
// costs Redis besides.
func WithMaxBytes(n int) InboxOption { return func(c *inboxConfig) { c.maxBytes = n } }

// WithRetention sets how long an acknowledged delivery key is remembered,
// so that a copy appended later is not run again. d <= 0 selects
// [DefaultInboxRetention].
func WithRetention(d time.Duration) InboxOption { return func(c *inboxConfig) { c.retention = d } }

// WithConsumer names this replica's consumer in the group (default
// host-pid-random, unique to the Inbox). A stable name lets a replica that
// restarts see its old consumer in XINFO, but two live Inboxes must never
// share one.
func WithConsumer(name string) InboxOption { return func(c *inboxConfig) { c.consumer = name } }

// WithInboxPrefix sets the string the inbox's keys start with (default
// [DefaultPrefix], "hookseal:"); the keys are
// <prefix>inbox:{<name>}:... Replicas of one inbox must use the same one.
func WithInboxPrefix(prefix string) InboxOption { return func(c *inboxConfig) { c.prefix = prefix } }

// WithInboxTimeout sets the budget of each Redis call (default
// [DefaultTimeout], 1 s); Append's budget adds WithWaitReplicas's timeout.
// It must be positive.
func WithInboxTimeout(d time.Duration) InboxOption { return func(c *inboxConfig) { c.timeout = d } }

// WithWaitReplicas makes Append wait, after storing an entry, until n
// replicas of the primary have it (Redis's WAIT n timeout), so that a
// failover to one of them cannot lose an accepted entry. When fewer
// acknowledge within timeout, Append fails with [ErrNotReplicated]. n = 0
// (the default) does not wait. It needs a *redis.Client (Sentinel's
// failover client is one) or a *redis.ClusterClient; see the package
// documentation for what WAIT does and does not promise.
func WithWaitReplicas(n int, timeout time.Duration) InboxOption {
	return func(c *inboxConfig) { c.waitN, c.waitTimeout = n, timeout }
}

// NewInbox returns the inbox name kept in Redis through client, which may
// be a *redis.Client, a *redis.ClusterClient, a failover client or a
// *redis.Ring: all the inbox's keys share one hash slot, so one node holds
// them. Every replica calls NewInbox with the same name; each gets a
// consumer of its own. NewInbox does not contact Redis: the stream and its
// consumer group are made by the first Append.
//
// name must not be empty nor contain '{' or '}', which would change the
// keys' hash tag.
func NewInbox(client redis.UniversalClient, name string, opts ...InboxOption) (*Inbox, error) {
	c := inboxConfig{prefix: DefaultPrefix, timeout: DefaultTimeout}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.maxEntries <= 0 {
		c.maxEntries = DefaultInboxMaxEntries
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultInboxMaxBytes
	}
	if c.retention <= 0 {
		c.retention = DefaultInboxRetention
	}
	var errs []error
	if isNil(client) {
		errs = append(errs, errors.New("client is nil; pass one from redis.NewClient, redis.NewClusterClient or redis.NewUniversalClient"))
	}
	if name == "" || strings.ContainsAny(name, "{}") {
		errs = append(errs, fmt.Errorf("inbox name %q: must be non-empty and without '{' or '}', since it is the keys' hash tag", name))
	}
	if c.prefix == "" {
		errs = append(errs, errors.New("WithInboxPrefix: prefix must not be empty (the default is \"hookseal:\")"))
	}
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("WithInboxTimeout: timeout must be positive, got %s (the default is %s)", c.timeout, DefaultTimeout))
	}
	if c.waitN < 0 || c.waitN > 0 && c.waitTimeout <= 0 {
		errs = append(errs, fmt.Errorf("WithWaitReplicas: want n >= 0 and, when n > 0, a positive timeout; got %d and %s", c.waitN, c.waitTimeout))
	}
	if c.waitN > 0 {
		switch client.(type) {
		case *redis.Client, *redis.ClusterClient:
		default:
			errs = append(errs, fmt.Errorf("WithWaitReplicas: needs a *redis.Client or a *redis.ClusterClient, got %T (WAIT must reach the primary that ran the write)", client))
		}
	}
	if c.consumer == "" {
		c.consumer = defaultConsumer()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	p := c.prefix + "inbox:{" + name + "}:"
	return &Inbox{
		client: client, name: name, prefix: p, consumer: c.consumer, cfg: c,
		keys: []string{p + "stream", p + "held", p + "dead", p + "leases", p + "due", p + "turns", p + "counters"},
	}, nil
}

// defaultConsumer is host-pid-random: readable in XINFO CONSUMERS, and
// unique even for two Inboxes in one process.
func defaultConsumer() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:8])
}

// Consumer returns the name of this Inbox's consumer in the group.
func (ib *Inbox) Consumer() string { return ib.consumer }

// Append implements [inbox.Inbox.Append] with one script. With
// [WithWaitReplicas] it then waits for the replicas, on the connection
// that ran the script, and fails with [ErrNotReplicated] if they do not
// acknowledge in time; the entry is then stored on the primary, and a
// later Append of its key waits again.
func (ib *Inbox) Append(ctx context.Context, e inbox.Entry) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, ib.wrap("Append", err)
	}
	payload, err := encodePayload(e)
	if err != nil {
		return "", false, ib.wrap("Append", err)
	}
	wait := ""
	if ib.cfg.waitN > 0 {
		wait = "1"
	}
	args := []any{
		ib.prefix, e.Key, e.Resource, flag(e.Coalesce), eventSortKey(e.EventTime), flag(e.Dead), e.LastError,
		ib.cfg.maxEntries, ib.cfg.maxBytes, len(e.Body), payload, wait,
	}
	v, err := ib.call(ctx, "Append", ib.cfg.timeout+ib.cfg.waitTimeout, func(ctx context.Context) (any, error) {
		if ib.cfg.waitN > 0 {
			return ib.appendReplicated(ctx, args)
		}
		return inboxAppendScript.Run(ctx, ib.client, ib.keys, args...).Result()
	})
	if err != nil && !errors.Is(err, ErrNotReplicated) {
		return "", false, err
	}
	r, ok := v.([]any)
	if !ok || len(r) != 2 {
		return "", false, ib.unexpected("Append", v)
	}
	code, _ := r[0].(int64)
	switch code {
	case 1:
		id, _ := r[1].(string)
		return id, true, err
	case 0:
		id, _ := r[1].(string)
		return id, false, err
	case -1:
		n, _ := r[1].(int64)
		return "", false, fmt.Errorf("%w: %d entries, the bound (WithMaxEntries)", inbox.ErrFull, n)
	case -2:
		n, _ := r[1].(int64)
		return "", false, fmt.Errorf("%w: %d bytes held, the bound is %d (WithMaxBytes)", inbox.ErrFull, n, ib.cfg.maxBytes)
	}
	return "", false, ib.unexpected("Append", v)
}

// appendReplicated runs the append script and WAIT on one connection to
// the primary: WAIT waits for the writes of its own connection only.
func (ib *Inbox) appendReplicated(ctx context.Context, args []any) (any, error) {
	var primary *redis.Client
	switch c := ib.client.(type) {
	case *redis.Client:
		primary = c
	case *redis.ClusterClient:
		var err error
		if primary, err = c.MasterForKey(ctx, ib.keys[0]); err != nil {
			return nil, err
		}
	}
	conn := primary.Conn()
	defer conn.Close()
	v, err := inboxAppendScript.Run(ctx, conn, ib.keys, args...).Result()
	if err != nil {
		return nil, err
	}
	if r, ok := v.([]any); ok && len(r) == 2 && (r[0] == int64(-1) || r[0] == int64(-2)) {
		return v, nil // full: nothing was stored, nothing to wait for
	}
	n, err := conn.Wait(ctx, ib.cfg.waitN, ib.cfg.waitTimeout).Result()
	if err != nil {
		return nil, fmt.Errorf("WAIT: %w", err)
	}
	if n < int64(ib.cfg.waitN) {
		return v, fmt.Errorf("%w: %d of %d within %s, though the primary has the entry; check the replicas' links (INFO replication)",
			ErrNotReplicated, n, ib.cfg.waitN, ib.cfg.waitTimeout)
	}
	return v, nil
}

// Lease implements [inbox.Inbox.Lease] with one script (see the package
// documentation). The token is 128 bits from crypto/rand. A Lease whose
// reply is lost (a timeout, a dropped connection) may have leased an
// entry nobody holds: it runs again, one attempt higher, once the lease
// runs out.
func (ib *Inbox) Lease(ctx context.Context, lease time.Duration) (inbox.Lease, error) {
	if err := ctx.Err(); err != nil {
		return inbox.Lease{}, ib.wrap("Lease", err)
	}
	if lease <= 0 {
		return inbox.Lease{}, inbox.ErrInvalidDuration
	}
	token := rand.Text()
	v, err := ib.run(ctx, "Lease", inboxLeaseScript, ib.consumer, token, leaseMillis(lease), millis(ib.cfg.retention))
	if err != nil {
		return inbox.Lease{}, err
	}
	r, ok := v.([]any)
	if ok && len(r) == 1 && r[0] == int64(0) {
		return inbox.Lease{}, inbox.ErrEmpty
	}
	if !ok || len(r) != 3 || r[0] != int64(1) {
		return inbox.Lease{}, ib.unexpected("Lease", v)
	}
	e, err := parseSnapshot(r[1])
	if err != nil {
		return inbox.Lease{}, ib.wrap("Lease", err)
	}
	l := inbox.Lease{Entry: e, Token: token}
	sup, _ := r[2].([]any)
	for _, s := range sup {
		old, err := parseSnapshot(s)
		if err != nil {
			return inbox.Lease{}, ib.wrap("Lease", err)
		}
		l.Superseded = append(l.Superseded, old)
	}
	return l, nil
}

// Renew implements [inbox.Inbox.Renew]: ErrLeaseLost once the lease has
// run out on the server's clock, even if nobody took the entry over.
func (ib *Inbox) Renew(ctx context.Context, l inbox.Lease, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return ib.wrap("Renew", err)
	}
	if lease <= 0 {
		return inbox.ErrInvalidDuration
	}
	return ib.settle(ctx, "Renew", inboxRenewScript, l, leaseMillis(lease))
}

// Ack implements [inbox.Inbox.Ack]. A lease that ran out and that nobody
// took over is still acknowledged: the run is done. An Ack whose first
// reply was lost and that go-redis retried reports ErrLeaseLost: the
// entry is gone.
func (ib *Inbox) Ack(ctx context.Context, l inbox.Lease) error {
	if err := ctx.Err(); err != nil {
		return ib.wrap("Ack", err)
	}
	return ib.settle(ctx, "Ack", inboxAckScript, l, millis(ib.cfg.retention))
}

// Retry implements [inbox.Inbox.Retry]. notBefore is judged by the Redis
// server's clock, to the millisecond; a zero notBefore holds nothing back.
func (ib *Inbox) Retry(ctx context.Context, l inbox.Lease, notBefore time.Time, cause string) error {
	if err := ctx.Err(); err != nil {
		return ib.wrap("Retry", err)
	}
	return ib.settle(ctx, "Retry", inboxRetryScript, l, notBeforeMillis(notBefore), cause)
}

// Bury implements [inbox.Inbox.Bury].
func (ib *Inbox) Bury(ctx context.Context, l inbox.Lease, cause string) error {
	if err := ctx.Err(); err != nil {
		return ib.wrap("Bury", err)
	}
	return ib.settle(ctx, "Bury", inboxBuryScript, l, cause)
}

// settle runs a script that acts on l's entry if l still holds it.
func (ib *Inbox) settle(ctx context.Context, op string, script *redis.Script, l inbox.Lease, args ...any) error {
	if l.Token == "" || l.Entry.ID == "" {
		return inbox.ErrLeaseLost
	}
	v, err := ib.run(ctx, op, script, append([]any{l.Entry.ID, l.Token}, args...)...)
	if err != nil {
		return err
	}
	switch v {
	case int64(1):
		return nil
	case int64(0):
		return inbox.ErrLeaseLost
	}
	return ib.unexpected(op, v)
}

// Stats implements [inbox.Inbox.Stats].
func (ib *Inbox) Stats(ctx context.Context) (inbox.Stats, error) {
	if err := ctx.Err(); err != nil {
		return inbox.Stats{}, ib.wrap("Stats", err)
	}
	v, err := ib.run(ctx, "Stats", inboxStatsScript)
	if err != nil {
		return inbox.Stats{}, err
	}
	r, ok := v.([]any)
	if !ok || len(r) != 4 {
		return inbox.Stats{}, ib.unexpected("Stats", v)
	}
	pending, ok1 := r[0].(int64)
	running, ok2 := r[1].(int64)
	dead, ok3 := r[2].(int64)
	oldest, ok4 := r[3].(string)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return inbox.Stats{}, ib.unexpected("Stats", v)
	}
	s := inbox.Stats{Pending: int(pending), Running: int(running), Dead: int(dead)}
	if oldest != "" {
		us, err := strconv.ParseInt(oldest, 10, 64)
		if err != nil {
			return inbox.Stats{}, ib.unexpected("Stats", v)
		}
		s.OldestPending = time.UnixMicro(us)
	}
	return s, nil
}

// Dead implements [inbox.Inbox.Dead]: dead letters in acceptance order.
func (ib *Inbox) Dead(ctx context.Context, limit int) ([]inbox.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, ib.wrap("Dead", err)
	}
	v, err := ib.run(ctx, "Dead", inboxDeadScript, max(limit, 0))
	if err != nil {
		return nil, err
	}
	r, ok := v.([]any)
	if !ok {
		return nil, ib.unexpected("Dead", v)
	}
	out := make([]inbox.Entry, 0, len(r))
	for _, s := range r {
		e, err := parseSnapshot(s)
		if err != nil {
			return nil, ib.wrap("Dead", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Get implements [inbox.Inbox.Get].
func (ib *Inbox) Get(ctx context.Context, id string) (inbox.Entry, error) {
	if err := ctx.Err(); err != nil {
		return inbox.Entry{}, ib.wrap("Get", err)
	}
	v, err := ib.run(ctx, "Get", inboxGetScript, id)
	if err != nil {
		return inbox.Entry{}, err
	}
	if r, ok := v.([]any); ok && len(r) == 0 {
		return inbox.Entry{}, inbox.ErrNotFound
	}
	e, err := parseSnapshot(v)
	if err != nil {
		return inbox.Entry{}, ib.wrap("Get", err)
	}
	return e, nil
}

// Revive implements [inbox.Inbox.Revive]: the entry keeps its attempts,
// and takes its place in its resource's order again.
func (ib *Inbox) Revive(ctx context.Context, id string) error {
	return ib.deadLetter(ctx, "Revive", inboxReviveScript, id)
}

// Drop implements [inbox.Inbox.Drop]. The entry's key is forgotten: a
// copy of the delivery appended later is a new entry.
func (ib *Inbox) Drop(ctx context.Context, id string) error {
	return ib.deadLetter(ctx, "Drop", inboxDropScript, id)
}

func (ib *Inbox) deadLetter(ctx context.Context, op string, script *redis.Script, id string) error {
	if err := ctx.Err(); err != nil {
		return ib.wrap(op, err)
	}
	v, err := ib.run(ctx, op, script, id)
	if err != nil {
		return err
	}
	switch v {
	case int64(1):
		return nil
	case int64(0):
		return inbox.ErrNotFound
	}
	return ib.unexpected(op, v)
}

// Close removes this Inbox's consumer from the group if it holds no
// message, so that replicas that come and go do not leave consumers
// behind (a consumer of a replica that crashed is removed when its last
// lease is taken over). It does not close the client. A consumer still
// holding leases stays: its entries are taken over when they run out.
// The Inbox remains usable; a later Lease makes the consumer again.
func (ib *Inbox) Close(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return ib.wrap("Close", err)
	}
	_, err := ib.run(ctx, "Close", inboxCloseScript, ib.consumer)
	return err
}

// run runs script with the inbox's keys and prefix, then args.
func (ib *Inbox) run(ctx context.Context, op string, script *redis.Script, args ...any) (any, error) {
	return ib.call(ctx, op, ib.cfg.timeout, func(ctx context.Context) (any, error) {
		return script.Run(ctx, ib.client, ib.keys, append([]any{ib.prefix}, args...)...).Result()
	})
}

// call runs fn within budget. fn runs on a goroutine of its own, so the
// budget holds whatever the client's options, as [Store] calls do.
func (ib *Inbox) call(ctx context.Context, op string, budget time.Duration, fn func(context.Context) (any, error)) (any, error) {
	cctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn(cctx)
		done <- result{v, err}
	}()
	var res result
	select {
	case res = <-done:
		if res.err == nil {
			return res.v, nil
		}
		if errors.Is(res.err, ErrNotReplicated) {
			return res.v, ib.wrap(op, res.err) // stored on the primary: the reply says how
		}
	case <-cctx.Done():
		res.err = cctx.Err()
	}
	return nil, ib.failure(ctx, cctx, op, budget, res.err)
}

// failure describes a failed call: the caller's context ending, the budget
// running out, or Redis's own error.
func (ib *Inbox) failure(parent, cctx context.Context, op string, budget time.Duration, err error) error {
	if perr := parent.Err(); perr != nil {
		if !errors.Is(err, perr) {
			err = fmt.Errorf("%w (%w)", perr, err)
		}
		return ib.wrap(op, err)
	}
	if cctx.Err() != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
		}
		return ib.wrap(op, fmt.Errorf("no answer from Redis within %v; check that Redis is up and reachable, or raise WithInboxTimeout if it is only slow: %w", budget, err))
	}
	return ib.wrap(op, err)
}

func (ib *Inbox) wrap(op string, err error) error {
	return fmt.Errorf("redisstore: inbox %q: %s: %w", ib.name, op, err)
}

func (ib *Inbox) unexpected(op string, v any) error {
	return fmt.Errorf("redisstore: inbox %q: %s: unexpected script reply %v; is another version of hookseal using the same keys?", ib.name, op, v)
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// notBeforeMillis is t in ms since 1970 for a script; 0 (hold nothing
// back) for the zero time or any time before 1970.
func notBeforeMillis(t time.Time) int64 {
	if t.IsZero() || t.Before(time.Unix(0, 0)) {
		return 0
	}
	return min(epochMillis(t), maxMillis)
}

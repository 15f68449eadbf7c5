// Package inbox keeps accepted deliveries until their handler succeeds: a
// route with an inbox answers a sender "accepted" once the delivery is
// stored durably, and a Runner hands it to the handler, again and again
// with backoff if it fails, until it succeeds or grows too old and becomes
// a dead letter. Senders give up after a minute or two (Checkly after five
// retries 20 s apart, OnCall after three 10 s apart); an inbox turns "the
// sender retries for a minute" into "hookseal retries for as long as you
// configure", through a downstream outage, a crash and a restart.
//
// The contract (Inbox) is what every backend implements and the suite in
// inbox/inboxtest checks:
//
//   - Durable before accepted: Append returns only once the entry is
//     stored as durably as the backend stores anything (Memory: in
//     memory; the file backend: fsync'd; Redis: written).
//   - Once per key: an entry whose Key the inbox holds, or acknowledged
//     within its retention, is not appended again, so a delivery whose
//     acceptance was lost in a crash is not run twice when its sender
//     retries.
//   - At least once to the handler: an entry is leased, run, and
//     acknowledged; a lease that runs out (its holder crashed) lets the
//     entry be leased again, with its attempt count raised. Attempts never
//     decrease, except across a failover of a backend that replicates
//     asynchronously (Redis), which can lose the newest lease with its
//     count: a handler may then see one attempt number twice.
//   - One at a time per resource, in event-time order: an entry is leased
//     only when it is the first of its resource by (EventTime, accepted
//     order) and no other entry of that resource is leased, on any
//     replica. Entries without a resource run independently.
//   - Coalescing: leasing an entry marked Coalesce takes the newest
//     pending entry of its resource instead and removes the older pending
//     ones, reported as superseded; their Keys are remembered as an
//     acknowledged entry's are.
//   - Bounded: Append fails with ErrFull at the backend's bound; nothing
//     is ever dropped silently.
//   - Operable: Stats counts pending, running and dead entries and the
//     oldest pending acceptance; dead letters can be listed, shown,
//     revived and dropped.
//
// Memory is the in-process backend, for tests and demos; the file backend
// (module store/bolt) and the Redis backend (module store/redis) keep
// entries across restarts and, for Redis, across replicas.
package inbox

import (
	"context"
	"errors"
	"time"
)

// Entry is one accepted delivery.
type Entry struct {
	// ID names the entry in the inbox; Append assigns it.
	ID string
	// Key is the delivery's idempotency key (the dedupe key): the same for
	// every copy and retry of one delivery.
	Key string
	// Route names the handler that runs the entry (a route's name).
	Route string
	// Resource groups entries that must run one at a time, in EventTime
	// order; "" runs on its own.
	Resource string
	// EventTime orders the entries of a resource; entries with equal times
	// run in the order they were accepted.
	EventTime time.Time
	// Coalesce lets a newer pending entry of the resource supersede this
	// one (the route's policy when the entry was accepted).
	Coalesce bool
	// Accepted is when Append stored the entry, on the inbox's clock.
	Accepted time.Time
	// Attempts counts the leases of the entry: the handler's run number.
	Attempts int
	// NotBefore holds the entry back until then (a retry's backoff).
	NotBefore time.Time
	// LastError is the last failed run's error, or why the entry is dead.
	// It is shown to operators: it must never carry a secret.
	LastError string
	// Dead is true for a dead letter: its handler will not run it again
	// unless an operator revives it.
	Dead bool
	// Body is the delivery's raw body, as received and authenticated.
	Body []byte
	// Meta is what the route needs to rebuild the event (content type,
	// provider, credential's id and scope, times): opaque to the inbox.
	Meta map[string]string
}

// Lease is an entry taken for running: its holder must Ack, Retry or Bury
// it before the lease runs out, or Renew it.
type Lease struct {
	Entry Entry
	// Token proves the lease; a lease taken over after it ran out has
	// another.
	Token string
	// Superseded are the entries coalescing removed when this one was
	// leased (Entry.Coalesce): older pending entries of its resource.
	Superseded []Entry
}

// Stats describes an inbox.
type Stats struct {
	Pending int // waiting, including those held back by a backoff
	Running int // leased
	Dead    int // dead letters
	// OldestPending is the acceptance time of the oldest pending or
	// running entry; zero when there is none.
	OldestPending time.Time
}

// Errors.
var (
	// ErrFull: the inbox is at its bound; the route answers 503 so the
	// sender retries later.
	ErrFull = errors.New("inbox: full")
	// ErrEmpty: Lease found no entry ready to run.
	ErrEmpty = errors.New("inbox: no entry is ready")
	// ErrLeaseLost: the lease is no longer held (it ran out and another
	// holder took the entry, or it was already acked, retried or buried).
	ErrLeaseLost = errors.New("inbox: lease no longer held")
	// ErrNotFound: no entry (or no dead letter) with that ID.
	ErrNotFound = errors.New("inbox: no such entry")
	// ErrInvalidDuration: a lease that is not positive.
	ErrInvalidDuration = errors.New("inbox: lease must be positive")
)

// Inbox stores entries durably until they are handled. Implementations are
// safe for concurrent use, and every operation is atomic with respect to
// the others, across every process that shares the inbox.
type Inbox interface {
	// Append stores e, assigning its ID and Accepted (Attempts, NotBefore,
	// LastError and Dead are the inbox's, except that e.Dead appends a
	// dead letter directly, with e.LastError as its reason). It returns
	// the stored entry's ID and added true, or, when an entry with e.Key
	// is held or was acknowledged within the retention, that entry's ID
	// (if still held) and added false. It fails with ErrFull at the
	// bound. It returns only once the entry is stored durably.
	Append(ctx context.Context, e Entry) (id string, added bool, err error)

	// Lease takes the next entry ready to run (see the package
	// documentation) for lease, raising its Attempts; ErrEmpty when none
	// is ready.
	Lease(ctx context.Context, lease time.Duration) (Lease, error)

	// Renew extends l to lease from now; ErrLeaseLost when l is no
	// longer held or has run out, even if nobody took the entry over:
	// once a lease has run out, another entry of its resource may have
	// started, and extending it would let two run at once.
	Renew(ctx context.Context, l Lease, lease time.Duration) error

	// Ack removes a handled entry and remembers its Key for the
	// retention; ErrLeaseLost when l is no longer held (another holder
	// leased the entry since; a lease that ran out but was not taken
	// over can still be acknowledged: the run is done).
	Ack(ctx context.Context, l Lease) error

	// Retry returns l's entry to pending, held back until notBefore,
	// with cause as its LastError; ErrLeaseLost when l is no longer held.
	Retry(ctx context.Context, l Lease, notBefore time.Time, cause string) error

	// Bury makes l's entry a dead letter with cause as its LastError;
	// ErrLeaseLost when l is no longer held.
	Bury(ctx context.Context, l Lease, cause string) error

	// Stats counts the inbox's entries.
	Stats(ctx context.Context) (Stats, error)

	// Dead lists up to limit dead letters, oldest first.
	Dead(ctx context.Context, limit int) ([]Entry, error)

	// Get returns the entry with id, pending, running or dead;
	// ErrNotFound otherwise.
	Get(ctx context.Context, id string) (Entry, error)

	// Revive returns the dead letter id to pending, to run at once;
	// ErrNotFound when there is no such dead letter.
	Revive(ctx context.Context, id string) error

	// Drop deletes the dead letter id; ErrNotFound when there is no such
	// dead letter.
	Drop(ctx context.Context, id string) error
}

// Package store holds the state that lets hookseal drop repeated and
// out-of-order deliveries: the [Store] contract, and [Memory], a bounded
// in-process implementation that is the default.
//
// A Store serves two jobs:
//
//   - Deduplication, in two phases. Claim marks a delivery in flight before
//     its handler runs; Renew extends the claim's lease while the handler
//     runs, so a slow handler is never run twice at once; Commit marks it
//     done for the dedupe window after the handler succeeds; Release forgets
//     the claim when the handler fails, so the sender's retry is processed.
//     A delivery is never marked done before it has been handled.
//   - Ordering. Advance keeps, per resource, the newest event time processed,
//     and refuses events older than it: a late retry of a FAILURE that lands
//     after its RECOVERY.
//
// Implementations must be safe for concurrent use, and every operation must
// be atomic with respect to the others on the same key, across every process
// that shares the store. Leases, windows and ttls must be positive; an
// operation given another returns an error. An operation whose ctx is
// already done returns an error wrapping ctx.Err() and changes nothing.
// Deliveries and resources are separate namespaces: a key and a resource
// with the same name do not interfere. The contract test suite in
// store/storetest checks an implementation against this page.
package store

import (
	"context"
	"errors"
	"time"
)

// State is the outcome of a Claim.
type State int

const (
	// Claimed: the caller now owns the delivery and must Commit or Release.
	Claimed State = iota + 1
	// InFlight: another caller holds an unexpired claim on the delivery.
	InFlight
	// Done: the delivery was committed within its window.
	Done
)

// String returns "claimed", "in_flight" or "done".
func (s State) String() string {
	switch s {
	case Claimed:
		return "claimed"
	case InFlight:
		return "in_flight"
	case Done:
		return "done"
	}
	return "unknown"
}

// Claim is the result of Store.Claim. Token proves ownership: only the
// claim's holder can Renew, Commit or Release it, so a slow process whose
// lease expired cannot undo the work of the process that claimed the key
// after it.
type Claim struct {
	Key   string
	Token string
	State State
	// Fence is a fencing token: it grows with every claim of the key, so a
	// claim taken after another one's lease ran out has a larger fence than
	// it. A handler hands it to a downstream that keeps the largest fence
	// seen per idempotency key and refuses writes with a smaller one: then
	// a holder that lost its claim (a pause longer than its lease) cannot
	// overwrite the work of the holder after it. 0 for InFlight and Done
	// results.
	Fence uint64
}

// ErrClaimLost is returned by Commit and Release when the key is no longer
// held by the claim's token: the claim was already committed or released,
// its lease expired and someone else claimed the key (or the store dropped
// the expired claim), or the Claim was not a Claimed result. The call
// changes nothing. After Commit it means the delivery may not be remembered
// as done, not that its handling failed.
var ErrClaimLost = errors.New("store: claim no longer held (already committed or released, or its lease expired)")

// ErrInvalidDuration is wrapped by operations given a lease, window or ttl
// that is not positive. Such a duration is a programming error, and one
// store (Redis: SET PX 0) could not honour it anyway.
var ErrInvalidDuration = errors.New("store: lease, window and ttl must be positive")

// Store keeps deduplication and ordering state.
type Store interface {
	// Claim tries to take ownership of key for lease. It returns State
	// Claimed with a fresh Token when the key is free (never seen, released,
	// or its lease or window expired), InFlight when another claim holds it,
	// and Done when it was committed within its window. An InFlight or Done
	// result owns nothing: its Token is empty.
	Claim(ctx context.Context, key string, lease time.Duration) (Claim, error)

	// Renew extends the claim's lease to lease from now, while its holder
	// is still working. It fails with ErrClaimLost, changing nothing, when
	// c no longer holds the key (committed, released, or taken over after
	// its lease ran out). Whether a claim whose lease ran out, and that
	// nobody took over, may still be renewed is the implementation's
	// choice, as for Commit.
	Renew(ctx context.Context, c Claim, lease time.Duration) error

	// Commit marks the claimed key done for window. It fails with
	// ErrClaimLost when c no longer holds the key. A claim is consumed by
	// its Commit or Release: using it again fails with ErrClaimLost, so a
	// stray Release never undoes a Commit. Whether a claim whose lease ran
	// out, and that nobody else took over, may still commit is the
	// implementation's choice (Memory: yes, until the expired claim is
	// dropped); either way the result says what happened.
	Commit(ctx context.Context, c Claim, window time.Duration) error

	// Release forgets the claim so the key can be claimed again at once.
	// It fails with ErrClaimLost, and changes nothing, when c no longer
	// holds the key.
	Release(ctx context.Context, c Claim) error

	// Advance records that an event for resource occurred at "at", keeping
	// the state for ttl. It reports true, and raises the resource's time to
	// "at", when "at" is not older than the newest time recorded; it reports
	// false, changing nothing, when "at" is older. Equal times advance, so
	// the retry of a delivery whose handler failed is not refused. Times
	// compare as instants (location and monotonic reading ignored) at a
	// resolution of a millisecond or finer; times closer than a store's
	// resolution count as equal.
	Advance(ctx context.Context, resource string, at time.Time, ttl time.Duration) (bool, error)
}

// ClaimAdvancer is a Store that claims a delivery and advances its
// resource in one operation: one round trip to a remote store instead of
// two, for the routes that order their events. The middleware uses it when
// the route's store implements it, and Claim then Advance otherwise; the
// outcome is the same.
type ClaimAdvancer interface {
	Store

	// ClaimAndAdvance claims key for lease, as Claim does, and only when
	// the result is Claimed advances resource to "at" for ttl, as Advance
	// does, reporting whether it advanced. An InFlight or Done result
	// advances nothing and reports false. A Claimed result whose resource
	// did not advance (an event older than the newest recorded) still holds
	// the claim: commit it (the event is dropped for good) or release it.
	// A lease or ttl that is not positive, or a done ctx, is an error that
	// changes nothing; another error leaves the claim and the resource as
	// unknown as Claim's and Advance's errors do.
	ClaimAndAdvance(ctx context.Context, key string, lease time.Duration, resource string, at time.Time, ttl time.Duration) (c Claim, advanced bool, err error)
}

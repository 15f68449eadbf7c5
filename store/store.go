// Package store holds the state that lets hookseal drop repeated and
// out-of-order deliveries: the [Store] contract, and [Memory], a bounded
// in-process implementation that is the default.
//
// A Store serves two jobs:
//
//   - Deduplication, in two phases. Claim marks a delivery in flight before
//     its handler runs; Commit marks it done for the dedupe window after the
//     handler succeeds; Release forgets the claim when the handler fails, so
//     the sender's retry is processed. A delivery is never marked done before
//     it has been handled.
//   - Ordering. Advance keeps, per resource, the newest event time processed,
//     and refuses events older than it: a late retry of a FAILURE that lands
//     after its RECOVERY.
//
// Implementations must be safe for concurrent use, and every operation must
// be atomic with respect to the others on the same key, across every process
// that shares the store. The contract test suite in store/storetest checks
// an implementation against this page.
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
// claim's holder can Commit or Release it, so a slow process whose lease
// expired cannot undo the work of the process that claimed the key after it.
type Claim struct {
	Key   string
	Token string
	State State
}

// ErrClaimLost is returned by Commit and Release when the claim's lease
// expired and the key is no longer held by its token (it was released,
// expired, or claimed by someone else).
var ErrClaimLost = errors.New("store: claim lost (lease expired or taken over)")

// Store keeps deduplication and ordering state.
type Store interface {
	// Claim tries to take ownership of key for lease. It returns State
	// Claimed with a fresh Token when the key is free (never seen, released,
	// or its lease or window expired), InFlight when another claim holds it,
	// and Done when it was committed within its window.
	Claim(ctx context.Context, key string, lease time.Duration) (Claim, error)

	// Commit marks the claimed key done for window. It fails with
	// ErrClaimLost when c no longer holds the key.
	Commit(ctx context.Context, c Claim, window time.Duration) error

	// Release forgets the claim so the key can be claimed again at once.
	// It fails with ErrClaimLost, and changes nothing, when c no longer
	// holds the key.
	Release(ctx context.Context, c Claim) error

	// Advance records that an event for resource occurred at "at", keeping
	// the state for ttl. It reports true, and raises the resource's time to
	// "at", when "at" is not older than the newest time recorded; it reports
	// false, changing nothing, when "at" is older. Equal times advance, so
	// the retry of a delivery whose handler failed is not refused.
	Advance(ctx context.Context, resource string, at time.Time, ttl time.Duration) (bool, error)
}

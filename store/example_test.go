package store_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookseal/hookseal/store"
)

// A delivery is claimed before its handler runs and committed after the
// handler succeeds; a copy arriving later is a duplicate.
func ExampleMemory() {
	s := store.NewMemory()
	ctx := context.Background()
	key := "checkly:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

	c, err := s.Claim(ctx, key, time.Minute)
	if err != nil {
		panic(err) // a real receiver answers 503: store unavailable
	}
	fmt.Println("first copy:", c.State)

	// A copy arriving while the handler runs is told to come back later.
	other, _ := s.Claim(ctx, key, time.Minute)
	fmt.Println("copy during the handler:", other.State)

	// ... the handler succeeded: remember the delivery for the window.
	if err := s.Commit(ctx, c, 10*time.Minute); err != nil {
		panic(err)
	}

	dup, _ := s.Claim(ctx, key, time.Minute)
	fmt.Println("copy after the handler:", dup.State)
	// Output:
	// first copy: claimed
	// copy during the handler: in_flight
	// copy after the handler: done
}

// When the handler fails, Release frees the delivery so the sender's retry
// is processed.
func ExampleMemory_Release() {
	s := store.NewMemory()
	ctx := context.Background()

	c, _ := s.Claim(ctx, "grafana:delivery-1", time.Minute)
	// ... the handler returned an error.
	_ = s.Release(ctx, c)

	retry, _ := s.Claim(ctx, "grafana:delivery-1", time.Minute)
	fmt.Println("retry:", retry.State)
	// Output:
	// retry: claimed
}

// A handler slower than its lease loses the claim to a later copy; its
// Commit reports ErrClaimLost instead of overwriting the new owner's claim.
func ExampleMemory_errorChecking() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s := store.NewMemory(store.WithClock(func() time.Time { return now }))
	ctx := context.Background()

	slow, _ := s.Claim(ctx, "statusstack:evt-42", 30*time.Second)
	now = now.Add(time.Minute) // the lease ran out; the sender retried
	retry, _ := s.Claim(ctx, "statusstack:evt-42", 30*time.Second)
	fmt.Println("retry:", retry.State)

	err := s.Commit(ctx, slow, 10*time.Minute)
	switch {
	case errors.Is(err, store.ErrClaimLost):
		fmt.Println("slow handler: claim lost")
	case err != nil:
		fmt.Println("store unavailable:", err)
	}
	fmt.Println("retry commits:", s.Commit(ctx, retry, 10*time.Minute))
	// Output:
	// retry: claimed
	// slow handler: claim lost
	// retry commits: <nil>
}

// Advance keeps the newest event time per resource: the late retry of a
// FAILURE that lands after its RECOVERY is refused.
func ExampleMemory_Advance() {
	s := store.NewMemory()
	ctx := context.Background()
	failure := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	recovery := failure.Add(2 * time.Minute)

	ok, _ := s.Advance(ctx, "checkly:check-7", recovery, time.Hour)
	fmt.Println("recovery:", ok)
	ok, _ = s.Advance(ctx, "checkly:check-7", failure, time.Hour)
	fmt.Println("late failure:", ok)
	ok, _ = s.Advance(ctx, "checkly:check-7", recovery, time.Hour)
	fmt.Println("recovery again (equal time):", ok)
	// Output:
	// recovery: true
	// late failure: false
	// recovery again (equal time): true
}

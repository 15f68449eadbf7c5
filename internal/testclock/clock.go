// Package testclock is the one fake clock of hookseal's tests: a clock set
// by hand, safe for concurrent use. middlewaretest.Clock is this type, for
// users' tests; packages below middleware (verify) use it from here.
package testclock

import (
	"sync"
	"time"
)

// Clock is a clock tests set by hand, safe for concurrent use. Pass its Now
// wherever a package takes a clock (middleware.WithClock, store.WithClock,
// verify's clock options).
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Clock reading t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's reading.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

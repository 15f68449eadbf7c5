package testclock_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/internal/testclock"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	c := testclock.New(t0)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Add(time.Second); _ = c.Now() }()
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(t0.Add(10 * time.Second)) {
		t.Fatalf("after 10 concurrent Add(1s): %s", got)
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("Set: %s", c.Now())
	}
}

func Example() {
	c := testclock.New(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	c.Add(90 * time.Second)
	fmt.Println(c.Now().Format(time.TimeOnly))
	// Output: 08:01:30
}

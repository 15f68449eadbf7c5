package crashtest

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Gate holds a test downstream's calls until it is opened, counting the
// calls it holds by receiver. A test that kills a receiver holding calls
// waits (WaitReleased) until the downstream has seen each of that
// receiver's calls end before it opens the gate: the kernel closes a
// killed process's connections when the process is gone, but the
// downstream's server learns of it a moment later, and a call released in
// that moment would be counted as a success the dead receiver never saw.
type Gate struct {
	open chan struct{}
	once sync.Once

	mu   sync.Mutex
	held map[int]int // receiver (process id) → calls held
}

// NewGate returns a closed gate.
func NewGate() *Gate { return &Gate{open: make(chan struct{}), held: map[int]int{}} }

// Hold blocks a call of receiver until the gate opens (true: the call
// goes through) or ctx, the call's request context, is done (false: its
// receiver is gone).
func (g *Gate) Hold(ctx context.Context, receiver int) bool {
	g.mu.Lock()
	g.held[receiver]++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.held[receiver]--
		g.mu.Unlock()
	}()
	select {
	case <-ctx.Done(): // first: a call whose receiver is gone never goes through
		return false
	default:
	}
	select {
	case <-g.open:
		return ctx.Err() == nil
	case <-ctx.Done():
		return false
	}
}

// WaitReleased waits up to timeout until the gate holds no call of
// receiver, and returns an error if it still does.
func (g *Gate) WaitReleased(receiver int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		n := g.heldBy(receiver)
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the downstream still holds %d calls of receiver %d %s after it was killed", n, receiver, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Open lets every held and later call through.
func (g *Gate) Open() { g.once.Do(func() { close(g.open) }) }

// heldBy is how many calls of receiver the gate holds.
func (g *Gate) heldBy(receiver int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held[receiver]
}

package crashtest

import (
	"context"
	"testing"
	"time"
)

// A killed receiver's held call ends only when its request context does,
// which comes a moment after the kill: WaitReleased waits for that, so
// opening the gate after it cannot let the dead receiver's call through,
// while a live receiver's held call goes through once the gate opens.
func TestGateReleasesADeadReceiversCallsBeforeOpening(t *testing.T) {
	g := NewGate()
	deadCtx, kill := context.WithCancel(context.Background())
	dead, live := make(chan bool, 1), make(chan bool, 1)
	go func() { dead <- g.Hold(deadCtx, 1) }()
	go func() { live <- g.Hold(context.Background(), 2) }()
	for g.heldBy(1) == 0 || g.heldBy(2) == 0 {
		time.Sleep(time.Millisecond)
	}
	const lag = 50 * time.Millisecond // the server noticing the closed connection
	time.AfterFunc(lag, kill)
	start := time.Now()
	if err := g.WaitReleased(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < lag/2 {
		t.Errorf("WaitReleased returned after %v, before the dead receiver's call ended", waited)
	}
	g.Open()
	if <-dead {
		t.Error("the dead receiver's call went through")
	}
	if !<-live {
		t.Error("the live receiver's call did not go through once the gate opened")
	}
	if !g.Hold(context.Background(), 3) {
		t.Error("a call after the gate opened was held back")
	}
}

func TestGateWaitReleasedTimesOut(t *testing.T) {
	g := NewGate()
	go g.Hold(context.Background(), 7)
	for g.heldBy(7) == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := g.WaitReleased(7, 20*time.Millisecond); err == nil {
		t.Fatal("no error while a call of the receiver is still held")
	}
	g.Open()
}

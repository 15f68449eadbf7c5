package crashtest

import (
	"testing"
	"time"

	"github.com/hookseal/hookseal/internal/crashreceiver"
)

func TestCountTallies(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	run := func(check string, started time.Time, key string) Run {
		return Run{Run: crashreceiver.Run{Check: check, Started: started, Key: key}}
	}
	accepted := map[string]bool{
		Event("a", t0): true, Event("a", t0.Add(time.Minute)): true,
		Event("b", t0): true, Event("c", t0): true, // c is never run: lost
	}
	runs := []Run{
		run("a", t0.Add(time.Minute), "k2"),
		run("a", t0, "k1"), // older after newer: an order violation
		run("b", t0, "kb"),
		run("b", t0, "kb"),  // again, same key
		run("a", t0, "k1x"), // again, under another key
		run("d", t0, "kd"),  // never accepted
	}
	got := Count(accepted, runs)
	want := Tally{Handled: 4, Lost: 1, Twice: 2, TwoKeys: 1, Unknown: 1, OrderViolations: 1}
	if got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
	if got := Count(accepted, nil); got != (Tally{Lost: 4}) {
		t.Errorf("Count with no runs = %+v, want every accepted alert lost", got)
	}
}

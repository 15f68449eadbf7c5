package hooksealprom_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
	hooksealprom "github.com/hookseal/hookseal/observe/prometheus"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// memory returns a Memory inbox holding, accepted on the clock's reading
// at each step: two pending entries, one running (the first accepted,
// leased) and one dead letter.
func memory(tb testing.TB) *inbox.Memory {
	tb.Helper()
	now := t0
	ib := inbox.NewMemory(inbox.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	for i, e := range []inbox.Entry{
		{Key: "a", Route: "checkly", Body: []byte("{}")},
		{Key: "dead", Route: "checkly", Body: []byte("{}"), Dead: true, LastError: "undecodable"},
		{Key: "b", Route: "checkly", Body: []byte("{}")},
		{Key: "c", Route: "checkly", Body: []byte("{}")},
	} {
		now = t0.Add(time.Duration(i) * 10 * time.Second)
		if _, _, err := ib.Append(ctx, e); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := ib.Lease(ctx, time.Hour); err != nil {
		tb.Fatal(err)
	}
	return ib
}

// failing is an inbox whose Stats fail.
type failing struct{ inbox.Inbox }

func (failing) Stats(context.Context) (inbox.Stats, error) {
	return inbox.Stats{}, errors.New("connection refused")
}

// stuck is an inbox whose Stats never return on their own, whatever the
// context says.
type stuck struct {
	inbox.Inbox
	release chan struct{}
	calls   *atomic.Int32
}

func (s stuck) Stats(context.Context) (inbox.Stats, error) {
	s.calls.Add(1)
	<-s.release
	return inbox.Stats{Pending: 99}, nil
}

// The inbox gauges are read from Stats at each scrape; an inbox whose
// Stats fail or hang is reported down, its gauges left out, and the scrape
// still answers within the timeout.
func TestInboxGauges(t *testing.T) {
	now := t0.Add(90 * time.Second)
	reg, m := newMetrics(t, hooksealprom.WithClock(func() time.Time { return now }),
		hooksealprom.WithStatsTimeout(100*time.Millisecond))
	ib := memory(t)
	release, stuckCalls := make(chan struct{}), &atomic.Int32{}
	defer close(release)
	for name, ib := range map[string]inbox.Inbox{
		"main": ib, "empty": inbox.NewMemory(), "down": failing{inbox.NewMemory()},
		"stuck": stuck{inbox.NewMemory(), release, stuckCalls},
	} {
		if err := m.WatchInbox(name, ib); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	fams, _ := scrape(t, reg)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the scrape took %s with a stuck inbox, want about the 100ms timeout", d)
	}
	if d := diff(series(fams, "hookseal_inbox_entries"), map[string]float64{
		"inbox=main,state=pending": 2, "inbox=main,state=running": 1, "inbox=main,state=dead": 1,
		"inbox=empty,state=pending": 0, "inbox=empty,state=running": 0, "inbox=empty,state=dead": 0,
	}); d != "" {
		t.Errorf("hookseal_inbox_entries:%s", d)
	}
	if d := diff(series(fams, "hookseal_inbox_oldest_pending_age_seconds"), map[string]float64{
		"inbox=main": 90, "inbox=empty": 0,
	}); d != "" {
		t.Errorf("hookseal_inbox_oldest_pending_age_seconds:%s", d)
	}
	if d := diff(series(fams, "hookseal_inbox_up"), map[string]float64{
		"inbox=main": 1, "inbox=empty": 1, "inbox=down": 0, "inbox=stuck": 0,
	}); d != "" {
		t.Errorf("hookseal_inbox_up:%s", d)
	}

	// Read at scrape time: the next scrape sees the entry acknowledged.
	// The stuck inbox's first call has not returned, so it is not called
	// again, and is still down.
	l, err := ib.Lease(context.Background(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := ib.Ack(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	now = now.Add(30 * time.Second)
	fams, _ = scrape(t, reg)
	got := series(fams, "hookseal_inbox_entries")
	if got["inbox=main,state=pending"] != 1 || got["inbox=main,state=running"] != 1 {
		t.Errorf("after one more lease and its ack: %v, want 1 pending, 1 running", got)
	}
	if age := series(fams, "hookseal_inbox_oldest_pending_age_seconds")["inbox=main"]; age != 120 {
		t.Errorf("oldest pending age %v, want 120", age)
	}
	if up := series(fams, "hookseal_inbox_up")["inbox=stuck"]; up != 0 || stuckCalls.Load() != 1 {
		t.Errorf("stuck inbox: up %v after %d Stats calls, want 0 after 1", up, stuckCalls.Load())
	}
}

func TestWatchInboxErrors(t *testing.T) {
	_, m := newMetrics(t)
	if err := m.WatchInbox("main", inbox.NewMemory()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, inboxName string
		ib              inbox.Inbox
	}{
		{"nok, same name twice", "main", inbox.NewMemory()},
		{"nok, nil inbox", "other", nil},
		{"nok, empty name", "", inbox.NewMemory()},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := m.WatchInbox(c.inboxName, c.ib); !errors.Is(err, hooksealprom.ErrInvalidInbox) {
				t.Errorf("err = %v, want ErrInvalidInbox", err)
			}
		})
	}
}

package hooksealprom

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookseal/hookseal/inbox"
)

// inboxCollector reads its inboxes' Stats when the registry is gathered.
type inboxCollector struct {
	cfg     *config
	entries *prometheus.Desc
	age     *prometheus.Desc
	up      *prometheus.Desc

	mu      sync.Mutex
	watched map[string]*watched
}

// watched is one inbox and whether a Stats call on it is still running.
type watched struct {
	ib   inbox.Inbox
	busy atomic.Bool
}

func newInboxCollector(cfg *config) *inboxCollector {
	return &inboxCollector{
		cfg: cfg,
		entries: prometheus.NewDesc("hookseal_inbox_entries",
			"Entries held by a hookseal inbox, by state: pending (waiting, backoffs included), running (leased), dead (dead letters).",
			[]string{"inbox", "state"}, nil),
		age: prometheus.NewDesc("hookseal_inbox_oldest_pending_age_seconds",
			"Seconds since the oldest pending or running entry of a hookseal inbox was accepted; 0 when there is none.",
			[]string{"inbox"}, nil),
		up: prometheus.NewDesc("hookseal_inbox_up",
			"1 when this scrape read the hookseal inbox's stats, 0 when reading them failed or timed out.",
			[]string{"inbox"}, nil),
		watched: map[string]*watched{},
	}
}

func (c *inboxCollector) add(name string, ib inbox.Inbox) error {
	if name == "" {
		return fmt.Errorf("%w: the name is empty", ErrInvalidInbox)
	}
	if ib == nil {
		return fmt.Errorf("%w: inbox %q is nil", ErrInvalidInbox, name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.watched[name]; ok {
		return fmt.Errorf("%w: an inbox named %q is already watched", ErrInvalidInbox, name)
	}
	c.watched[name] = &watched{ib: ib}
	return nil
}

// Describe implements prometheus.Collector.
func (c *inboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.entries
	ch <- c.age
	ch <- c.up
}

// Collect implements prometheus.Collector. It reads every inbox at once,
// each bounded by the stats timeout, so a scrape takes at most one
// timeout however many inboxes are slow.
func (c *inboxCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	all := make(map[string]*watched, len(c.watched))
	for name, w := range c.watched {
		all[name] = w
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for name, w := range all {
		wg.Go(func() { c.collect(ch, name, w) })
	}
	wg.Wait()
}

func (c *inboxCollector) collect(ch chan<- prometheus.Metric, name string, w *watched) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.statsTimeout)
	defer cancel()
	s, err := w.stats(ctx)
	if err != nil {
		// The gauges are left out, not reported as 0: a zero would
		// resolve the very alerts an unreachable inbox should keep firing.
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0, name)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1, name)
	for _, st := range [...]struct {
		state string
		n     int
	}{{"pending", s.Pending}, {"running", s.Running}, {"dead", s.Dead}} {
		ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(st.n), name, st.state)
	}
	age := 0.0
	if !s.OldestPending.IsZero() {
		// Clamped at 0: a replica whose clock lags the one that accepted
		// the entry would otherwise report a negative age.
		age = max(c.cfg.now().Sub(s.OldestPending).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age, name)
}

// Why a scrape could not read an inbox's Stats, besides the inbox's own
// error.
var (
	errStatsTimeout = errors.New("hooksealprom: inbox stats timed out")
	errStatsBusy    = errors.New("hooksealprom: an earlier scrape's stats call has not returned")
)

// stats calls Stats, returning when ctx is done even if the inbox does not
// heed ctx, so that one stuck backend cannot hold up the scrape. A call
// that has not returned is not repeated: scrapes of an inbox that never
// answers hold one goroutine, not one per scrape.
func (w *watched) stats(ctx context.Context) (inbox.Stats, error) {
	if !w.busy.CompareAndSwap(false, true) {
		return inbox.Stats{}, errStatsBusy
	}
	type result struct {
		s   inbox.Stats
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned call's goroutine can still finish
	go func() {
		defer w.busy.Store(false)
		s, err := w.ib.Stats(ctx)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-ctx.Done():
		return inbox.Stats{}, errStatsTimeout
	}
}

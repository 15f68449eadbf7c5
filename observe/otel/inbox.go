package hooksealotel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"

	"github.com/hookseal/hookseal/inbox"
)

// WatchInbox adds ib to the inboxes whose Stats are observed at each
// collection, with the attribute hookseal.inbox=name. name is the
// operator's, such as the route's or the store's name: it must be
// non-empty and not already watched.
func (in *Instrumentation) WatchInbox(name string, ib inbox.Inbox) error {
	if name == "" {
		return fmt.Errorf("%w: the name is empty", ErrInvalidInbox)
	}
	if ib == nil {
		return fmt.Errorf("%w: inbox %q is nil", ErrInvalidInbox, name)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if _, ok := in.watched[name]; ok {
		return fmt.Errorf("%w: an inbox named %q is already watched", ErrInvalidInbox, name)
	}
	in.watched[name] = &watched{ib: ib}
	return nil
}

// watched is one inbox and whether a Stats call on it is still running.
type watched struct {
	ib   inbox.Inbox
	busy atomic.Bool
}

// observeInboxes reads every watched inbox at once, each bounded by the
// stats timeout, so a collection waits at most one timeout however many
// inboxes are slow. An inbox whose Stats failed is observed as down, and
// its other gauges are left out rather than observed as 0, which would
// resolve the very alerts an unreachable inbox should keep firing.
func (in *Instrumentation) observeInboxes(ctx context.Context, o metric.Observer) error {
	in.mu.Lock()
	all := make(map[string]*watched, len(in.watched))
	for name, w := range in.watched {
		all[name] = w
	}
	in.mu.Unlock()
	var wg sync.WaitGroup
	for name, w := range all {
		wg.Go(func() {
			sctx, cancel := context.WithTimeout(ctx, in.cfg.statsTimeout)
			defer cancel()
			name := keyInbox.String(name)
			s, err := w.stats(sctx)
			if err != nil {
				o.ObserveInt64(in.up, 0, metric.WithAttributes(name))
				return
			}
			o.ObserveInt64(in.up, 1, metric.WithAttributes(name))
			for _, st := range [...]struct {
				state string
				n     int
			}{{"pending", s.Pending}, {"running", s.Running}, {"dead", s.Dead}} {
				o.ObserveInt64(in.entries, int64(st.n), metric.WithAttributes(name, keyState.String(st.state)))
			}
			age := 0.0
			if !s.OldestPending.IsZero() {
				// Clamped at 0: a replica whose clock lags the one that
				// accepted the entry would otherwise report a negative age.
				age = max(in.cfg.now().Sub(s.OldestPending).Seconds(), 0)
			}
			o.ObserveFloat64(in.age, age, metric.WithAttributes(name))
		})
	}
	wg.Wait()
	return nil
}

// Why an inbox's Stats could not be read, besides the inbox's own error.
var (
	errStatsTimeout = errors.New("hooksealotel: inbox stats timed out")
	errStatsBusy    = errors.New("hooksealotel: an earlier collection's stats call has not returned")
)

// stats calls Stats, returning when ctx is done even if the inbox does not
// heed ctx, so that one stuck backend cannot hold up the collection. A
// call that has not returned is not repeated: collections of an inbox that
// never answers hold one goroutine, not one per collection.
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

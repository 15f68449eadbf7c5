package boltstore

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// maxBatch bounds the operations one transaction commits, so that a burst
// does not make one transaction, and the wait of its first caller, grow
// without bound.
const maxBatch = 256

// call is one write operation waiting for the committer.
type call struct {
	fn   func(tx *bolt.Tx) error
	err  error
	done chan struct{}
}

// update runs fn in a write transaction and returns once that transaction
// is committed and fsync'd. Concurrent calls share a transaction, and so
// one fsync (group commit): while one commit syncs, the calls that arrive
// wait, and the next transaction takes all of them.
//
// fn may run more than once (see commit), so it must set its results
// afresh each time and report what it decided, such as "lease lost",
// through them: an error from fn is for storage failures only, and rolls
// back the whole transaction. fn should return without writing when ctx
// is done; update itself gives up only before fn was handed over.
func (d *DB) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &call{fn: fn, done: make(chan struct{})}
	select {
	case d.calls <- c:
	case <-d.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	<-c.done
	return c.err
}

// commitLoop is the committer: it takes the calls waiting to be sent,
// without waiting for more (bolt's own DB.Batch waits up to 10 ms for a
// batch to fill, which a lone caller pays in full), and commits them in
// one transaction. It returns when the DB closes; a call it has received
// is always committed first, since the channel is unbuffered.
func (d *DB) commitLoop() {
	defer close(d.stopped)
	batch := make([]*call, 0, maxBatch)
	for {
		select {
		case c := <-d.calls:
			batch = append(batch[:0], c)
		case <-d.closing:
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case c := <-d.calls:
				batch = append(batch, c)
			default:
				break fill
			}
		}
		d.commit(batch)
		clear(batch) // let the calls be collected
	}
}

// commit runs the calls of batch in one transaction. When it fails (one
// call's storage error, or the commit itself), the transaction is rolled
// back whole and each call is run again in a transaction of its own, so
// one failing call fails no other.
func (d *DB) commit(batch []*call) {
	err := d.db.Update(func(tx *bolt.Tx) error {
		for _, c := range batch {
			if err := c.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && len(batch) > 1 {
		for _, c := range batch {
			c.err = d.wrap(d.db.Update(c.fn))
			close(c.done)
		}
		return
	}
	for _, c := range batch {
		c.err = d.wrap(err)
		close(c.done)
	}
}

func (d *DB) wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("boltstore: %s: %w", d.path, err)
}

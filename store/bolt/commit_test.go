package boltstore

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hookseal/hookseal/inbox"
)

// A commit that fails is rolled back whole, and its calls run again one
// by one. The calls change the inbox's indexes in memory as they run, so
// after a failure the indexes must be what the file holds: the entry a
// call leased in the rolled-back transaction is leased once, not twice,
// and a failing call's changes are gone.
func TestFailedCommitLeavesIndexesAsTheFile(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "hookseal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	body := []byte(`{"n":1}`)
	if _, _, err := db.Inbox().Append(t.Context(), inbox.Entry{Key: "k", Body: body}); err != nil {
		t.Fatal(err)
	}
	var l inbox.Lease
	lease := &call{done: make(chan struct{}), fn: func(tx *bolt.Tx) error {
		x, err := db.ibx(tx)
		if err != nil {
			return err
		}
		l, err = x.lease(1, time.Minute)
		return err
	}}
	errDisk := errors.New("disk full")
	failing := &call{done: make(chan struct{}), fn: func(tx *bolt.Tx) error {
		x, err := db.ibx(tx)
		if err != nil {
			return err
		}
		x.m.bytes += 1000 // a change the transaction will not keep
		delete(x.m.ents, 1)
		return errDisk
	}}
	db.commit([]*call{lease, failing})
	if lease.err != nil || !errors.Is(failing.err, errDisk) {
		t.Fatalf("errors %v and %v; want nil and the failing call's", lease.err, failing.err)
	}
	if l.Entry.ID != "1" || l.Entry.Attempts != 1 {
		t.Fatalf("lease = %+v, want entry 1 at attempt 1", l.Entry)
	}
	st, err := db.Inbox().Stats(t.Context())
	if err != nil || st.Running != 1 || st.Pending != 0 {
		t.Fatalf("Stats = %+v, %v; want the entry running", st, err)
	}
	db.mu.Lock()
	e, bytes := db.mem.ents[1], db.mem.bytes
	db.mu.Unlock()
	if e == nil || e.st.attempts != 1 || bytes != len(body) {
		t.Fatalf("indexes after the failure: entry %+v, %d bytes; want attempt 1, %d bytes", e, bytes, len(body))
	}
	if err := db.Inbox().Ack(t.Context(), l); err != nil {
		t.Fatalf("Ack = %v", err)
	}
}

package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/inbox/inboxtest"
	"github.com/hookseal/hookseal/store"
	boltstore "github.com/hookseal/hookseal/store/bolt"
	"github.com/hookseal/hookseal/store/storetest"
)

// newDB opens a DB in a file of its own, closed when the test ends.
func newDB(t testing.TB, opts ...boltstore.Option) *boltstore.DB {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "hookseal.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// The inbox contract suite, each subtest on a file of its own.
func TestInboxContract(t *testing.T) {
	inboxtest.Run(t, func(t *testing.T, c inboxtest.Config) inbox.Inbox {
		return newDB(t, boltstore.WithMaxEntries(c.MaxEntries)).Inbox()
	})
}

// The store contract suite, each subtest on a file of its own.
func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return newDB(t).Store()
	})
}

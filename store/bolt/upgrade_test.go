package boltstore

import (
	"errors"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hookseal/hookseal/inbox"
)

// A file written by hookseal 0.1 (format 1, which kept the inbox's
// indexes in buckets) opens as format 2 with everything it held: pending,
// leased and dead entries, held and acknowledged keys, the sequence.
func TestOpenUpgradesFormat1(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "hookseal.db")
	old, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = old.Update(func(tx *bolt.Tx) error {
		b := map[string]*bolt.Bucket{}
		for _, name := range append([]string{"hookseal", "inbox.entries", "inbox.state", "inbox.keys",
			"store.deliveries", "store.held", "store.done", "store.order", "store.order-exp", "store.counts"}, format1Indexes...) {
			var err error
			if b[name], err = tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		put := func(bucket string, k, v []byte) {
			if err == nil {
				err = b[bucket].Put(k, v)
			}
		}
		put("hookseal", formatKey, []byte("1"))
		pending := record{key: "k1", route: "checkly", resource: "r", eventTime: now, accepted: now, body: []byte(`{"n":1}`)}
		leased := record{key: "k2", route: "checkly", accepted: now, body: []byte(`{"n":2}`)}
		dead := record{key: "k3", route: "checkly", accepted: now, body: []byte(`{"n":3}`)}
		put("inbox.entries", idKey(1), pending.encode())
		put("inbox.entries", idKey(2), leased.encode())
		put("inbox.entries", idKey(3), dead.encode())
		put("inbox.state", idKey(1), (&state{slot: slotReady}).encode())
		put("inbox.state", idKey(2), (&state{attempts: 1, token: "t5", slot: slotLeased, slotAt: now.Add(time.Minute)}).encode())
		put("inbox.state", idKey(3), (&state{attempts: 2, dead: true, lastError: "gave up"}).encode())
		put("inbox.keys", []byte("k1"), append([]byte{'h'}, idKey(1)...))
		put("inbox.keys", []byte("k2"), append([]byte{'h'}, idKey(2)...))
		put("inbox.keys", []byte("k3"), append([]byte{'h'}, idKey(3)...))
		put("inbox.keys", []byte("acked"), appendTime([]byte{keyAcked}, now.Add(time.Hour)))
		put("inbox.ready", idKey(1), nil)
		if err == nil {
			err = b["inbox.entries"].SetSequence(5)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(path, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatalf("Open(format 1) = %v", err)
	}
	defer db.Close()
	ib, ctx := db.Inbox(), t.Context()
	_ = db.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(formatKey); string(v) != format {
			t.Errorf("format %q after the upgrade, want %s", v, format)
		}
		for _, name := range format1Indexes {
			if tx.Bucket([]byte(name)) != nil {
				t.Errorf("bucket %s survived the upgrade", name)
			}
		}
		if n := tx.Bucket(bKeys).Stats().KeyN; n != 1 {
			t.Errorf("inbox.keys holds %d keys, want only the acknowledged one", n)
		}
		return nil
	})
	if st, err := ib.Stats(ctx); err != nil || st != (inbox.Stats{Pending: 1, Running: 1, Dead: 1, OldestPending: now}) {
		t.Errorf("Stats = %+v, %v", st, err)
	}
	for key, want := range map[string]string{"k1": "1", "k2": "2", "k3": "3", "acked": ""} {
		if id, added, err := ib.Append(ctx, inbox.Entry{Key: key}); id != want || added || err != nil {
			t.Errorf("Append(%s) = %q, %v, %v; want %q, a copy", key, id, added, err, want)
		}
	}
	l, err := ib.Lease(ctx, time.Minute)
	if err != nil || l.Entry.ID != "1" || l.Entry.Attempts != 1 || l.Token != "t6" || string(l.Entry.Body) != `{"n":1}` {
		t.Fatalf("Lease = %+v, %v; want entry 1, attempt 1, token t6", l, err)
	}
	if _, err := ib.Lease(ctx, time.Minute); !errors.Is(err, inbox.ErrEmpty) {
		t.Fatalf("second Lease = %v, want ErrEmpty (entry 2 is leased)", err)
	}
	if err := ib.Ack(ctx, inbox.Lease{Entry: inbox.Entry{ID: "2"}, Token: "t5"}); err != nil {
		t.Fatalf("Ack of the lease held under format 1 = %v", err)
	}
	if d, err := ib.Dead(ctx, 0); err != nil || len(d) != 1 || d[0].ID != "3" || d[0].Attempts != 2 || d[0].LastError != "gave up" {
		t.Fatalf("Dead = %+v, %v", d, err)
	}
}

// Open reads every entry to build the inbox's indexes: an entry record or
// state it cannot read, or a key that is no ID, is refused with an error
// naming the file and the entry, the inbox's records are left as they
// were, and the file's lock is released.
func TestOpenRefusesCorruptEntries(t *testing.T) {
	for name, damage := range map[string]func(tx *bolt.Tx) error{
		"record": func(tx *bolt.Tx) error { return tx.Bucket(bEntries).Put(idKey(1), []byte{9, 9, 9}) },
		"state":  func(tx *bolt.Tx) error { return tx.Bucket(bState).Put(idKey(1), []byte{1, 0xff}) },
		"key":    func(tx *bolt.Tx) error { return tx.Bucket(bEntries).Put([]byte("short"), []byte{1}) },
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hookseal.db")
			db, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.Inbox().Append(t.Context(), inbox.Entry{Key: "k", Body: []byte("{}")}); err != nil {
				t.Fatal(err)
			}
			db.Close()
			raw, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := raw.Update(damage); err != nil {
				t.Fatal(err)
			}
			raw.Close()
			damaged := inboxContents(t, path)
			db, err = Open(path)
			if err == nil {
				db.Close()
				t.Fatal("Open accepted a file with a corrupt inbox entry")
			}
			if !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "inbox entry") {
				t.Fatalf("Open = %v; want a corrupt-record error naming %s and the entry", err, path)
			}
			// The lock is released: the file can be opened again.
			raw, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatalf("the refused file is still locked: %v", err)
			}
			raw.Close()
			if after := inboxContents(t, path); !maps.Equal(after, damaged) {
				t.Fatalf("the refused Open changed the inbox's records:\n%q\nwant\n%q", after, damaged)
			}
		})
	}
}

// inboxContents is every key and value of the inbox's entries and states
// in the file at path.
func inboxContents(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	out := map[string]string{}
	err = raw.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bEntries, bState} {
			if err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				out[string(name)+"/"+string(k)] = string(v)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

package boltstore

import bolt "go.etcd.io/bbolt"

// BucketLen counts the keys of the bucket named name, for the tests that
// check what the file holds (that sweeping keeps it from growing).
func BucketLen(d *DB, name string) int {
	n := 0
	_ = d.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket([]byte(name)).Stats().KeyN
		return nil
	})
	return n
}

// NoSync reports whether bolt skips the fsync of its commits, which would
// make an Append durable only until the next power cut.
func NoSync(d *DB) bool { return d.db.NoSync }

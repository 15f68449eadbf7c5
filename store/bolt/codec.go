package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names (see Layout in the package documentation).
var (
	bMeta = []byte("hookseal")

	bEntries = []byte("inbox.entries")
	bState   = []byte("inbox.state")
	bKeys    = []byte("inbox.keys")

	bDeliveries = []byte("store.deliveries")
	bHeld       = []byte("store.held")
	bDone       = []byte("store.done")
	bOrder      = []byte("store.order")
	bOrderExp   = []byte("store.order-exp")
	bStoreStats = []byte("store.counts")

	allBuckets = [][]byte{
		bMeta,
		bEntries, bState, bKeys,
		bDeliveries, bHeld, bDone, bOrder, bOrderExp, bStoreStats,
	}
)

// format is the layout version written in the meta bucket; a file with
// another one was written by a hookseal this version cannot read, except
// format 1 (hookseal 0.1), which initBuckets upgrades.
const format = "2"

// format1Indexes are the buckets in which format 1 kept the inbox's
// indexes, which format 2 keeps in memory, and its acknowledgements in
// expiry order, which format 2's sweep does without.
var format1Indexes = []string{
	"inbox.ready", "inbox.delayed", "inbox.leases", "inbox.queues",
	"inbox.resources", "inbox.dead", "inbox.accepted", "inbox.counts", "inbox.acked",
}

var formatKey = []byte("format")

// initBuckets checks that the file is a hookseal database of this format
// (or a new, empty bolt file) and creates the buckets it lacks.
func initBuckets(tx *bolt.Tx) error {
	meta := tx.Bucket(bMeta)
	if meta == nil {
		foreign := ""
		_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			foreign = string(name)
			return errors.New("stop")
		})
		if foreign != "" {
			return fmt.Errorf("not a hookseal database: it holds bucket %q and no %q bucket", foreign, bMeta)
		}
	} else if v := meta.Get(formatKey); string(v) == "1" {
		if err := upgradeFormat1(tx); err != nil {
			return fmt.Errorf("upgrading hookseal database format 1 to %s: %w", format, err)
		}
	} else if string(v) != format {
		return fmt.Errorf("hookseal database format %q, this version reads format %s", v, format)
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return tx.Bucket(bMeta).Put(formatKey, []byte(format))
}

// upgradeFormat1 turns a format 1 file into format 2, in the transaction
// that opens it: the entries, their states, the acknowledged keys and the
// whole store stay as they are (format 2 reads them as format 1 wrote
// them); the index buckets go, and so do the records of inbox.keys that
// named the entry holding a key, which the indexes in memory hold now.
func upgradeFormat1(tx *bolt.Tx) error {
	for _, name := range format1Indexes {
		if tx.Bucket([]byte(name)) == nil {
			continue
		}
		if err := tx.DeleteBucket([]byte(name)); err != nil {
			return err
		}
	}
	keys := tx.Bucket(bKeys)
	if keys == nil {
		return nil
	}
	var held [][]byte
	if err := keys.ForEach(func(k, v []byte) error {
		if len(v) == 0 || v[0] != keyAcked {
			held = append(held, bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range held {
		if err := keys.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// maxKeyLen bounds a delivery key, an entry's Key and a resource: each is
// part of a bolt key, which bolt limits to 32 KiB. hookseal's keys are 64
// hex digits and its resources a few dozen bytes.
const maxKeyLen = 4096

// Times are stored as 12 bytes that sort as the instants do: the Unix
// seconds with the sign bit flipped, then the nanoseconds, both big-endian.
// Location and monotonic reading are dropped; times read back are UTC.
const timeLen = 12

func appendTime(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix())^1<<63)
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

func readTime(b []byte) time.Time {
	sec := int64(binary.BigEndian.Uint64(b) ^ 1<<63)
	t := time.Unix(sec, int64(binary.BigEndian.Uint32(b[8:]))).UTC()
	if t.IsZero() {
		return time.Time{}
	}
	return t
}

// timeKey is a time followed by a suffix (an entry's ID, a key): the key of
// the indexes kept in time order.
func timeKey(t time.Time, suffix []byte) []byte {
	return append(appendTime(make([]byte, 0, timeLen+len(suffix)), t), suffix...)
}

// idKey is an entry's ID as a bolt key: 8 bytes big-endian, so keys sort
// as IDs do, which is acceptance order.
func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), id) }

func idOf(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

// parseID reads the ID an Entry carries, the decimal sequence number;
// anything else (a leading zero, a sign) is no ID of ours.
func parseID(s string) (uint64, bool) {
	if s == "" || s[0] == '0' {
		return 0, false
	}
	u, err := strconv.ParseUint(s, 10, 64)
	return u, err == nil
}

// A writer appends fields; a reader takes them in the same order and
// remembers the first malformed one.
type reader struct {
	b   []byte
	err error
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

var errCorrupt = errors.New("corrupt record")

func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errCorrupt
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errCorrupt
		return nil
	}
	return r.take(int(n))
}

func (r *reader) string() string { return string(r.bytes()) }

func (r *reader) time() time.Time {
	b := r.take(timeLen)
	if b == nil {
		return time.Time{}
	}
	return readTime(b)
}

func (r *reader) bool() bool {
	b := r.take(1)
	return b != nil && b[0] == 1
}

func (r *reader) byte() byte {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// counter reads and writes a uint64 kept under name in bucket b.
func counter(b *bolt.Bucket, name []byte) uint64 {
	v := b.Get(name)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func addCounter(b *bolt.Bucket, name []byte, delta int) error {
	v := counter(b, name)
	return b.Put(name, binary.BigEndian.AppendUint64(nil, v+uint64(delta)))
}

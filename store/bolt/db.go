package boltstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/store"
)

// DefaultLockTimeout is how long Open waits for the file lock another
// process or handle holds before it gives up. A receiver that restarts
// while its predecessor is still shutting down waits that long; one that
// was started twice by mistake stops at once with an error naming the
// file.
const DefaultLockTimeout = time.Second

// ErrClosed is returned by every operation on a DB after Close.
var ErrClosed = errors.New("boltstore: the database is closed")

// DB is one database file holding an inbox ([DB.Inbox]) and a store
// ([DB.Store]). It is safe for concurrent use; one process opens the file
// at a time. Close it when done: that releases the file lock.
type DB struct {
	path  string
	db    *bolt.DB
	cfg   config
	inbox Inbox
	store Store

	// mu guards mem, the inbox's indexes: the committer holds it while
	// the calls of a commit run, readers while they read them.
	mu sync.Mutex
	// committing is held by the committer through each commit, and by
	// the readers that need the indexes and the file to agree (Get,
	// Dead): between a commit's calls and its end, the indexes are ahead
	// of the file.
	committing sync.Mutex
	mem        *mem
	// memErr is why mem could not be loaded again after a failed commit;
	// the inbox's operations return it until one of its writes, failing
	// on it, has the indexes loaded again.
	memErr error

	calls     chan *call    // to the committer, unbuffered
	closing   chan struct{} // closed by Close
	stopped   chan struct{} // closed when the committer has returned
	closeOnce sync.Once
	closeErr  error
}

// Inbox is the inbox.Inbox kept in a DB's file. Its methods return
// ErrClosed once the DB is closed.
type Inbox struct{ d *DB }

// Store is the store.Store kept in a DB's file. Its methods return
// ErrClosed once the DB is closed.
type Store struct{ d *DB }

var (
	_ inbox.Inbox = (*Inbox)(nil)
	_ store.Store = (*Store)(nil)
)

// Inbox returns the DB's inbox, for inbox.NewRunner (and through the
// runner, middleware.WithInbox). One DB has one inbox: every call returns
// the same one.
func (d *DB) Inbox() *Inbox { return &d.inbox }

// Store returns the DB's dedupe and ordering store, for
// middleware.WithStore. One DB has one store: every call returns the same
// one.
func (d *DB) Store() *Store { return &d.store }

// Option configures a DB.
type Option func(*config)

type config struct {
	maxEntries   int
	maxBytes     int
	retention    time.Duration
	maxKeys      int
	maxResources int
	clock        func() time.Time
	lockTimeout  time.Duration
}

// WithMaxEntries bounds the inbox entries held, pending, running and dead
// together; Append fails with inbox.ErrFull at the bound. n <= 0 selects
// inbox.DefaultMaxEntries.
func WithMaxEntries(n int) Option { return func(c *config) { c.maxEntries = n } }

// WithMaxBytes bounds the bodies the inbox holds, together; Append fails
// with inbox.ErrFull at the bound. n <= 0 selects inbox.DefaultMaxBytes.
func WithMaxBytes(n int) Option { return func(c *config) { c.maxBytes = n } }

// WithRetention sets how long the inbox remembers an acknowledged (or
// superseded) entry's Key, so that a copy of its delivery is not run
// again. d <= 0 selects inbox.DefaultRetention.
func WithRetention(d time.Duration) Option { return func(c *config) { c.retention = d } }

// WithMaxDeliveries bounds the deliveries the store remembers for
// deduplication, in flight and committed together; beyond it the store
// evicts as store.Memory does (see the package documentation). n <= 0
// selects store.DefaultMaxEntries.
func WithMaxDeliveries(n int) Option { return func(c *config) { c.maxKeys = n } }

// WithMaxResources bounds the resources the store keeps ordering state
// for; beyond it the state nearest the end of its ttl is evicted. n <= 0
// selects store.DefaultMaxResources.
func WithMaxResources(n int) Option { return func(c *config) { c.maxResources = n } }

// WithClock sets the clock of acceptance, leases, backoffs, windows and
// ttls (tests step it by hand); nil selects time.Now. Its readings are
// stored as wall-clock instants, so they mean the same after a restart.
// The DB calls now inside its transactions: now must not call the DB.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithLockTimeout sets how long Open waits for another process or handle
// to release the file; d <= 0 selects DefaultLockTimeout. Open never waits
// longer.
func WithLockTimeout(d time.Duration) Option { return func(c *config) { c.lockTimeout = d } }

// Open opens the database file at path, creating it (mode 0600) when it
// does not exist. It fails, naming path, when the path is empty or a
// directory, when another process or handle holds the file for longer
// than the lock timeout, and when the file is not a hookseal database (or
// is corrupt).
func Open(path string, opts ...Option) (*DB, error) {
	c := config{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.maxEntries <= 0 {
		c.maxEntries = inbox.DefaultMaxEntries
	}
	if c.maxBytes <= 0 {
		c.maxBytes = inbox.DefaultMaxBytes
	}
	if c.retention <= 0 {
		c.retention = inbox.DefaultRetention
	}
	if c.maxKeys <= 0 {
		c.maxKeys = store.DefaultMaxEntries
	}
	if c.maxResources <= 0 {
		c.maxResources = store.DefaultMaxResources
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	if c.lockTimeout <= 0 {
		c.lockTimeout = DefaultLockTimeout
	}
	if path == "" {
		return nil, errors.New("boltstore: Open: the path is empty")
	}

	created := false
	switch fi, err := os.Stat(path); {
	case errors.Is(err, os.ErrNotExist):
		if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("boltstore: open %s: its directory %s does not exist", path, filepath.Dir(path))
		}
		created = true
	case err != nil:
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	case fi.IsDir():
		return nil, fmt.Errorf("boltstore: open %s: is a directory, want a file path (such as %s)", path, filepath.Join(path, "hookseal.db"))
	}

	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: c.lockTimeout})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("boltstore: open %s: the file is locked by another process or handle (waited %s): %w", path, c.lockTimeout, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("boltstore: open %s: not a bolt database, or corrupt: %w", path, err)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) { // it names path already
			err = pe.Err
		}
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	if err := bdb.Update(initBuckets); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	var m *mem
	if err := bdb.View(func(tx *bolt.Tx) (err error) { m, err = load(tx, wall(c.clock())); return err }); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("boltstore: open %s: reading the inbox: %w", path, err)
	}
	if created {
		// A new file's directory entry is durable only once its directory
		// is synced; without this, a crash soon after the first accepted
		// entry could lose the whole file.
		if err := syncDir(filepath.Dir(path)); err != nil {
			bdb.Close()
			return nil, fmt.Errorf("boltstore: open %s: syncing its directory: %w", path, err)
		}
	}

	d := &DB{
		path: path, db: bdb, cfg: c, mem: m,
		calls: make(chan *call), closing: make(chan struct{}), stopped: make(chan struct{}),
	}
	d.inbox.d, d.store.d = d, d
	go d.commitLoop()
	return d, nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Path returns the path the DB was opened with.
func (d *DB) Path() string { return d.path }

// Close waits for the operations under way, then closes the file and
// releases its lock. Operations after Close return ErrClosed. Closing
// twice returns the first Close's result.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		close(d.closing)
		<-d.stopped
		if err := d.db.Close(); err != nil {
			d.closeErr = fmt.Errorf("boltstore: close %s: %w", d.path, err)
		}
	})
	return d.closeErr
}

// view runs fn in a read-only transaction, which needs no fsync and runs
// beside the writes.
func (d *DB) view(fn func(tx *bolt.Tx) error) error {
	if d.isClosed() {
		return ErrClosed
	}
	// The committer stops before the file is closed, but a reader may
	// still race Close: bolt reports that as ErrDatabaseNotOpen.
	if err := d.db.View(fn); err != nil {
		if errors.Is(err, berrors.ErrDatabaseNotOpen) {
			return ErrClosed
		}
		return fmt.Errorf("boltstore: %s: %w", d.path, err)
	}
	return nil
}

// isClosed reports whether Close has begun: the reads check it first, so
// that a read after Close says so rather than what bolt says of a closed
// file.
func (d *DB) isClosed() bool {
	select {
	case <-d.closing:
		return true
	default:
		return false
	}
}

// peek runs fn on the inbox's indexes and returns what it reports,
// without touching the file: Lease's look before it writes, and Stats.
func (d *DB) peek(fn func(m *mem, now time.Time) bool) (bool, error) {
	if d.isClosed() {
		return false, ErrClosed
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.memErr != nil {
		return false, d.memErr
	}
	return fn(d.mem, wall(d.cfg.clock())), nil
}

// entriesOf returns the entries pick chooses from the inbox's indexes, as
// they were at one moment: it waits for the commit under way, takes the
// entries' states from the indexes and opens a read-only transaction
// while no commit can run, then reads their records from that
// transaction holding no lock, so a long read (Dead over thousands of
// dead letters) does not stall the writes.
func (d *DB) entriesOf(pick func(m *mem) []uint64) ([]inbox.Entry, error) {
	if d.isClosed() {
		return nil, ErrClosed
	}
	d.committing.Lock()
	d.mu.Lock()
	if d.memErr != nil {
		d.mu.Unlock()
		d.committing.Unlock()
		return nil, d.memErr
	}
	ids := pick(d.mem)
	states := make([]state, len(ids))
	for i, id := range ids {
		states[i] = d.mem.ents[id].st
	}
	tx, err := d.db.Begin(false)
	d.mu.Unlock()
	d.committing.Unlock()
	if err != nil {
		if errors.Is(err, berrors.ErrDatabaseNotOpen) {
			return nil, ErrClosed
		}
		return nil, d.wrap(err)
	}
	defer func() { _ = tx.Rollback() }()
	out := make([]inbox.Entry, 0, len(ids))
	for i, id := range ids {
		r, err := readRecord(tx.Bucket(bEntries), id, true)
		if err != nil {
			return nil, d.wrap(err)
		}
		out = append(out, entry(id, r, states[i]))
	}
	return out, nil
}

// reload loads the inbox's indexes again from the file, after a commit
// that failed left them holding changes the file does not. The committer
// calls it, holding mu, once the failed transaction is rolled back.
func (d *DB) reload() {
	var m *mem
	err := d.db.View(func(tx *bolt.Tx) (err error) { m, err = load(tx, wall(d.cfg.clock())); return err })
	if err != nil {
		d.memErr = d.wrap(fmt.Errorf("reading the inbox again after a failed commit: %w", err))
		return
	}
	d.mem, d.memErr = m, nil
}

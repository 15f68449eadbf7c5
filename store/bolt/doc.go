// Package boltstore keeps a receiver's inbox and its dedupe and ordering
// state in one local file, so that they survive a restart of a receiver
// that runs on one machine: accepted deliveries are still there and run,
// a sender's retry of a delivery handled before the restart is still a
// duplicate, and a late event is still refused as out of order.
//
//	db, err := boltstore.Open("/var/lib/hooks/hookseal.db")
//	...
//	defer db.Close()
//	runner, err := inbox.NewRunner(db.Inbox())
//	route, err := middleware.NewRoute(verifier, handle, middleware.WithName("checkly"),
//		middleware.WithStore(db.Store()), middleware.WithInbox(runner))
//	go runner.Run(ctx)
//
// [DB.Inbox] is an [inbox.Inbox] and [DB.Store] a [store.Store], two views
// of one file (one type cannot be both: both contracts have a Renew, with
// different arguments). Both behave as their in-memory references,
// [inbox.Memory] and [store.Memory], do, answer for answer: the tests run
// the same random operations against both and compare every result. The
// differences are noted below ([Inbox.Renew], keys longer than 4 KiB, times
// read back in UTC).
//
// It is a module of its own (github.com/hookseal/hookseal/store/bolt), so
// only receivers that use it get go.etcd.io/bbolt in their module graph.
// It is pure Go (no cgo).
//
// # Why bbolt
//
// The library was chosen by measuring the operation that matters, a
// durable Append of a 1 KiB entry, on a 2-core VM whose fsync takes about
// 90 µs (two runs, each the medians of 5 interleaved rounds). One writer:
// bbolt 313 to 408 µs per Append, SQLite (modernc.org/sqlite, WAL,
// synchronous=FULL) 192 to 234 µs. 32 concurrent writers whose commits are
// grouped: bbolt 52 to 55 µs per Append (about 19,000 a second), SQLite 39
// to 41 µs (25,000). SQLite is faster because a WAL commit costs one fsync
// and a bbolt commit two (pages, then the meta page). But both are bound
// by the disk, both absorb a burst far larger than a receiver sees, and
// SQLite costs 7.3 MB of binary (4.8 MB stripped) and 8 modules, a C
// library translated to Go, where bbolt costs 0.8 MB (0.45 MB stripped)
// and 2 (with golang.org/x/sys); and bbolt's sorted buckets are the
// indexes Lease needs, its exclusive file lock the one-process design.
// So bbolt. Its DB.Batch was measured too and is not used: it waits up to
// 10 ms for a batch to fill, so a lone Append took 11 ms and 32 writers
// 370 to 417 µs each; see Durability and group commit.
//
// # Durability and group commit
//
// Every write (Append, Lease, Renew, Ack, Retry, Bury, Revive, Drop;
// Claim, Renew, Commit, Release, Advance) is one bolt transaction, atomic
// with respect to every other, and returns once it is committed: written
// and fdatasync'd (bolt's default, NoSync false). A crash at any moment,
// even a power cut on a disk that honours fsync, loses no Append that
// returned.
//
// Writes share commits. One goroutine commits: it takes every write
// waiting when it is free and runs them in one transaction, so while one
// commit waits for the disk, the writes that arrive meanwhile gather and
// go in the next, with one fsync for all. Nothing waits for a batch to
// fill: a lone write commits at once. A write whose own work fails (a
// storage error) rolls back its transaction; the writes it was grouped
// with are then run again, each alone, so it fails no other. A write whose
// context ends before its turn returns the context's error and changes
// nothing. Reads (Stats, Dead, Get, the store's Stats, and a Lease that
// finds nothing due) are read-only transactions: they wait for no commit
// and cost no fsync, so idle runners polling an empty inbox write nothing.
//
// # Performance
//
// On the same VM (go test -bench . -benchmem, medians of 3, the disk
// shared with other work), per operation, file beside memory: a lone
// Append 440 µs (inbox.Memory 3.4 µs); Append from 32 goroutines 53 µs,
// its commits shared; Lease then Ack 620 µs over a backlog of 100 pending
// entries and 1.2 ms over 10,000 (inbox.Memory, which scans, 4.7 µs and
// 120 µs); a claim then a commit 490 µs alone and 110 µs from 32
// goroutines (store.Memory 2.2 µs). Every write waits for the disk: the
// numbers are its fsync's more than the code's.
//
// # Layout
//
// The file holds bolt buckets. The inbox's entries are kept in two parts,
// so that leasing, renewing and retrying rewrite a few dozen bytes rather
// than the body. IDs are 8-byte big-endian sequence numbers, so they sort
// in acceptance order; times are 12 bytes (Unix seconds with the sign bit
// flipped, then nanoseconds) that sort as the instants do.
//
//	hookseal            "format": the layout's version, "1"
//	inbox.entries       ID → key, route, resource, event time, acceptance, coalesce, body, meta (never changes)
//	inbox.state         ID → attempts, NotBefore, LastError, dead, the latest lease's token, its slot (below)
//	inbox.keys          Key → "h"+ID while an entry holds it, "a"+until once acknowledged or superseded
//	inbox.acked         until+Key → (): acknowledgements in expiry order, for the sweep
//	inbox.ready         ID → (): entries Lease may take now, in acceptance order
//	inbox.delayed       NotBefore+ID → (): entries held back by a backoff
//	inbox.leases        lease end+ID → (): leased entries
//	inbox.queues        len(resource)+resource+event time+ID → (): each resource's pending entries in run order
//	inbox.resources     resource → its leased entry's ID, its head's ID (0 for none)
//	inbox.dead          ID → (): dead letters, oldest first
//	inbox.accepted      acceptance+ID → (): pending and running entries, oldest first (Stats.OldestPending)
//	inbox.counts        "entries", "dead", "bytes": the bounds' and Stats' counters
//	store.deliveries    "k"+delivery key → claimed or committed, token (= fence), lease or window end
//	store.held          lease end+"k"+key → (): claims in expiry order
//	store.done          window end+"k"+key → (): commits in expiry order
//	store.order         "r"+resource → newest event time, ttl end
//	store.order-exp     ttl end+"r"+resource → (): resources in expiry order
//	store.counts        sizes, and the expiry and eviction counters of Store.Stats
//
// Each pending or running entry is in at most one of ready, delayed and
// leases (its slot, kept in its state so it can be found again). An entry
// without a resource is always in one. Of a resource's entries, only one
// is: the leased one, or, when none is, the first in run order (its head),
// in ready or delayed; the others wait in its queue. Lease is therefore
// the first key of inbox.ready, whatever the backlog: it never looks at an
// entry that is not due. Time is applied lazily, by Lease, each change
// once: entries of inbox.delayed whose NotBefore came move to ready, and
// entries of inbox.leases whose lease ran out become pending again (their
// resource's head takes the slot). Acking, retrying or burying the leased
// entry of a resource moves its next head into ready or delayed.
//
// # Expiry and sweeping
//
// A lease, window, ttl or retention of d that starts at t ends at t+d on
// the DB's clock; from then on it is treated as absent whenever it is
// looked at, swept or not. The records are also removed without being
// looked at, so the file does not grow with what has expired: every write
// removes up to 8 expired records from the front of its side's expiry
// indexes (inbox.acked for the inbox's writes; store.held, store.done and
// store.order-exp for the store's, in store.Memory's order), which costs
// one seek each when none has expired. Every write adds at most one record
// that can expire, so a budget of 8 keeps up, and the work of one write
// stays bounded after a mass expiry. Bolt reuses the pages freed, so the
// file stays at the size its busiest retention needed; it never shrinks
// (compact it offline with bbolt compact if a burst made it large).
//
// # Bounds
//
// The inbox holds at most [WithMaxEntries] entries (pending, running and
// dead) and [WithMaxBytes] bytes of bodies; Append beyond either fails
// with [inbox.ErrFull] and stores nothing, and the route answers 503. The
// defaults are inbox.Memory's. The store remembers at most
// [WithMaxDeliveries] deliveries and [WithMaxResources] resources, and
// makes room as store.Memory does: an expired delivery first, then the
// commit nearest the end of its window, then the claim nearest the end of
// its lease; resources nearest the end of their ttl. [Store.Stats] counts
// what eviction cost. Keys, Keys of entries and resources longer than
// 4096 bytes are refused with an error: they could not be bolt keys, and
// hookseal's are 64 hex digits and a few dozen bytes.
//
// # IDs, tokens and fences
//
// Entry IDs are the decimal form of a sequence kept in the file, and lease
// tokens "t" and the next number of it, as inbox.Memory's; claim tokens
// and fences are a second sequence, as store.Memory's. Both go on across
// restarts, so no ID or token is reused, and a claim's fence is larger
// than every fence handed out before it, for any key. A lease held when
// the process stopped runs out at its end; the entry is then leased again
// with its Attempts raised, and the old token is refused.
//
// [Inbox.Renew] (and Ack, Retry, Bury) accept a lease that ran out and
// that nobody took over, as inbox.Memory does; unlike Memory, Renew
// refuses it, with [inbox.ErrLeaseLost], when another entry of its
// resource has been leased since (one that arrived with an earlier event
// time while it was out), since two entries of a resource would then run
// at once. [Store.Renew], Commit and Release accept a claim whose lease
// ran out while nobody claimed the key and the sweep has not removed it,
// as store.Memory does.
//
// # Clock
//
// Times are the DB's clock ([WithClock], default time.Now) stored as wall
// time, so that they mean the same after a restart: a wall clock stepped
// by an hour moves every deadline by an hour, where store.Memory's
// monotonic clock would not. Times read back are in UTC, without a
// monotonic reading; EventTime, NotBefore and Advance's times keep their
// nanoseconds.
//
// # Files and locks
//
// [Open] creates the file (mode 0600) when it does not exist, and syncs
// its directory, so the new file itself survives a crash. One process
// opens a file at a time: bolt holds an exclusive lock (flock) on it, and
// a second Open, from another process or this one, waits at most
// [WithLockTimeout] (default [DefaultLockTimeout], 1 s) and then fails
// with an error naming the file. Open also refuses an empty path, a
// directory, a file that is not a bolt database or whose pages fail their
// checksums, and a bolt database of another application; the error names
// the path and says which. A file written by a later hookseal with
// another layout is refused rather than misread. Close waits for the
// writes under way and releases the lock; operations after it return
// [ErrClosed].
package boltstore

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
// the same random operations against both and compare every result, the
// inbox's also with the file closed and opened again at random steps. The
// differences are noted below (keys longer than 4 KiB, times read back in
// UTC).
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
// nothing. The store's reads (its Stats) are read-only transactions, which
// wait for no commit and cost no fsync. The inbox's Stats, and a Lease
// that finds nothing due, read its indexes in memory (see Layout), so
// idle runners polling an empty inbox write nothing either; Get and Dead
// wait for the commit under way, if any, then read the records in a
// read-only transaction that holds up no write. Before it
// takes the calls waiting, the committer yields once, so that requests
// about to send theirs join the commit: under load a commit carries more
// calls for its fixed cost (two fdatasyncs, a write per page).
//
// # Performance
//
// On the same VM (go test -bench . -benchmem, medians of 3, the disk
// shared with other work, 2026-11-29), per operation, file beside memory:
// a lone Append 199 µs (inbox.Memory 3.0 µs); Append from 32 goroutines
// 23 µs, its commits shared; Lease then Ack 337 µs over a backlog of 100
// pending entries and 391 µs over 10,000 (inbox.Memory, which scans,
// 4.3 µs and 105 µs); an entry's whole life (Append, Lease, Ack) from 32
// goroutines 62 µs (inbox.Memory 6.9 µs; hookseal 0.1's layout, 115 µs);
// a claim then a commit 359 µs alone and 67 µs from 32 goroutines
// (store.Memory 1.7 µs). Every write waits for the disk: the numbers are
// its fsync's more than the code's. Under make load (-pair inbox),
// hookseal listen on this file, with its default 4 runner workers, keeps
// about 0.55 of its inline throughput (see the README).
//
// # Layout
//
// The file holds bolt buckets: what the inbox and the store must not
// forget, and nothing that can be worked out from it. IDs are 8-byte
// big-endian sequence numbers, so they sort in acceptance order; times are
// 12 bytes (Unix seconds with the sign bit flipped, then nanoseconds) that
// sort as the instants do.
//
//	hookseal            "format": the layout's version, "2"
//	inbox.entries       ID → key, route, resource, event time, acceptance, coalesce, body, meta (never changes)
//	inbox.state         ID → attempts, NotBefore, LastError, dead, the latest lease's token and end (once it ran or died)
//	inbox.keys          Key → until: a Key acknowledged or superseded, remembered for the retention
//	store.deliveries    "k"+delivery key → claimed or committed, token (= fence), lease or window end
//	store.held          lease end+"k"+key → (): claims in expiry order
//	store.done          window end+"k"+key → (): commits in expiry order
//	store.order         "r"+resource → newest event time, ttl end
//	store.order-exp     ttl end+"r"+resource → (): resources in expiry order
//	store.counts        sizes, and the expiry and eviction counters of Store.Stats
//
// So an entry's life writes three small records beside its body: its
// state when leased (the attempt count must outlive a crash, so a lease is
// on disk before its handler runs), and its Key when acknowledged; Ack
// deletes the entry and its state.
//
// The inbox's indexes are in memory, built from inbox.entries and
// inbox.state when the file opens and kept in step by every operation,
// in the transaction that writes the facts they follow from: which
// entries Lease may take now (ready, by ID), which wait for a backoff
// (by NotBefore), which are leased (by the lease's end), each resource's
// entries in run order (event time, then ID) and its leased entry or
// head, the dead letters, the oldest acceptance, the Keys of the entries
// held, the counts of entries, dead letters and bytes. One process holds
// the file (bolt's lock), so nothing else can change what they follow
// from; when a commit fails, they are built again from the file. They
// take a few hundred bytes per entry held, bounded by [WithMaxEntries];
// opening reads every entry once. Format 1 (hookseal 0.1) kept them in
// eight more buckets, which cost an entry a dozen bucket writes and a
// commit twice the pages; Open upgrades a format 1 file in place, keeping
// everything it holds.
//
// Each pending or running entry is in at most one of ready, delayed and
// leased. An entry without a resource is always in one. Of a resource's
// entries, only one is: the leased one, or, when none is, the first in
// run order (its head), in ready or delayed; the others wait. Lease is
// therefore the first of ready, whatever the backlog: it never looks at
// an entry that is not due. Time is applied lazily, by Lease, each change
// once: entries whose NotBefore came become ready, and entries whose
// lease ran out become pending again (their resource's head takes the
// slot). A lease held when the process stopped is in inbox.state, and is
// held again until its end when the file opens. Acking, retrying or
// burying the leased entry of a resource makes its next head ready or
// delayed.
//
// # Expiry and sweeping
//
// A lease, window, ttl or retention of d that starts at t ends at t+d on
// the DB's clock; from then on it is treated as absent whenever it is
// looked at, swept or not. The records are also removed without being
// looked at, so the file does not grow with what has expired. The store's
// writes remove up to 8 expired records from the front of its expiry
// indexes (store.held, store.done and store.order-exp, in store.Memory's
// order), which costs one seek each when none has expired; every write
// adds at most one record that can expire, so a budget of 8 keeps up, and
// the work of one write stays bounded after a mass expiry. The inbox
// sweeps its acknowledged Keys with a hand that goes round inbox.keys in
// key order, looking at 8 records each time a Key is remembered (the only
// way one is added) and removing those past their retention: it goes
// round faster than the bucket grows, so a Key stays at most one round (a
// small part of the retention, whatever the load) after its end, and the
// removals of a commit fall on a few neighbouring pages rather than one
// page per Key. The hand starts from the first Key when the file opens;
// an inbox that stops acknowledging keeps its last Keys until it starts
// again, treating the expired ones as absent.
// Bolt reuses the pages freed, so the file stays at the size its busiest
// retention needed; it never shrinks (compact it offline with bbolt
// compact if a burst made it large).
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
// [Inbox.Ack], Retry and Bury accept a lease that ran out and that nobody
// took over, as inbox.Memory does, also across a restart; [Inbox.Renew]
// refuses it with [inbox.ErrLeaseLost], as Memory does, since another
// entry of its resource may have started while it was out.
// [Store.Renew], Commit and Release accept a claim whose lease ran out
// while nobody claimed the key and the sweep has not removed it, as
// store.Memory does.
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
// checksums, a bolt database of another application, and a file with an
// inbox entry it cannot read (it reads them all to build the indexes),
// changing none of its records; the error names the path and says which.
// A file written by a later hookseal with another layout is refused
// rather than misread. Close waits for the writes under way and releases
// the lock; operations after it return [ErrClosed].
package boltstore

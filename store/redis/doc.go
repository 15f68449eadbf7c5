// Package redisstore is a hookseal [store.Store] and an [inbox.Inbox]
// kept in Redis, for receivers that run as several replicas behind a load
// balancer. With the Store, a sender's retry that lands on another replica
// is recognised as a duplicate, and a late FAILURE that lands on another
// replica than its RECOVERY is dropped as out of order. With the [Inbox],
// any replica accepts a delivery once Redis has it, and any replica runs
// it, retrying through outages and taking over the entries of a replica
// that crashed, the entries of one resource one at a time in event-time
// order.
//
//	client := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	st, err := redisstore.New(client)
//	...
//	route, err := middleware.NewRoute(verifier, handle, middleware.WithStore(st), middleware.WithOrdering(0))
//
// The inbox, on the same client (see "# Inbox" below):
//
//	ib, err := redisstore.NewInbox(client, "checkly")
//	runner, err := inbox.NewRunner(ib)
//	route, err := middleware.NewRoute(verifier, handle, middleware.WithName("checkly"),
//		middleware.WithStore(st), middleware.WithOrdering(0), middleware.WithInbox(runner))
//	go runner.Run(ctx)
//
// [ParseURL] reads a URL naming one server (redis://:password@redis:6379/0),
// a Redis Cluster (redis+cluster://:password@10.0.0.5:7000,10.0.0.6:7000)
// or a primary found through Sentinel
// (redis+sentinel://:password@10.0.0.5:26379,10.0.0.6:26379/mymaster/0), with
// the pool size and timeouts in its query; [ClientConfig.Dial] makes the
// client and checks that Redis answers; [Dial] does both and returns a
// Store, for programs configured by a flag or an environment variable.
// Give the Store and the Inbox the same client. Package redistest starts
// throw-away redis-servers for tests: a server, a Cluster, a Sentinel
// deployment, and a proxy that adds latency.
//
// It is a module of its own (github.com/hookseal/hookseal/store/redis), so
// only receivers that use it get go-redis in their module graph.
//
// # Redis version
//
// The scripts read the server's clock (TIME) before they write, which
// Redis allows since version 5, where scripts are replicated by their
// effects (the commands they ran), not as scripts. Redis 5 or later is
// therefore required; the tests run against Redis 7.
//
// # Keys
//
// (The Store's; the inbox's are under "# Inbox keys".) Every key starts
// with the prefix ([WithPrefix], default "hookseal:"),
// followed by a namespace, so deliveries and resources never share a key:
//
//	<prefix>dedupe:<delivery key>   a delivery: one of the values below
//	<prefix>order:<resource>        a resource: its newest event time, in ms since the Unix epoch
//
// With the middleware's keys that reads, for example,
// "hookseal:dedupe:9f86d081…" (the delivery's key: 64 hex digits) and
// "hookseal:order:checkly:<scope>:<check id>". A delivery's value says where it
// stands, and always carries the fence of its latest claim:
//
//	c:<token>:<fence>:<deadline>   claimed; the lease ends at <deadline>, in ms since the Unix epoch on the server's clock
//	d:<nonce>:<fence>              committed, for the dedupe window
//	r:<fence>                      released
//
// The lease is kept in the value, not in the key's TTL, so that a claim
// whose lease ran out still remembers its fence for the claim that takes
// the delivery over. Every key has a TTL, so Redis itself forgets what is
// no longer needed and the Store never scans or sweeps:
//
//   - a claim: its lease, then a retention, the larger of 1 hour and 10
//     leases (renewing the claim starts both again);
//   - a committed delivery: the commit's window;
//   - a released delivery: 1 hour;
//   - a resource: the ordering ttl.
//
// Size Redis for the deliveries one dedupe window sees, plus those
// released or abandoned in the last hour: with the middleware's keys, each
// costs about 250 bytes of Redis memory (measured on Redis 7), so 100,000
// deliveries take about 25 MB.
//
// # Scripts
//
// Each operation is one Lua script on one key, so it is atomic against
// every other replica's operations on that key. The scripts are sent with
// EVALSHA, falling back to EVAL when Redis does not have them cached (after
// a restart or SCRIPT FLUSH), through [redis.NewScript]. Deadlines are
// judged by the Redis server's clock (TIME), the one clock every replica
// shares, never by a replica's. (Redis's own key expiry uses that clock
// too: a server whose clock steps, or a failover to a server whose clock
// differs, moves deadlines and TTLs alike.)
//
//   - Claim: an absent key, a released one, or a claim whose deadline has
//     passed is claimed: "c:"+token with a new fence and deadline, TTL
//     lease + retention. A claim whose deadline has not passed is InFlight;
//     a committed delivery is Done. Tokens are 128 bits from crypto/rand.
//   - Renew: if the key still holds the caller's token, rewrite the claim
//     with the deadline lease from now (TTL lease + retention); otherwise
//     [store.ErrClaimLost].
//   - Commit: if the key still holds the caller's token, SET it to
//     "d:"+nonce and the claim's fence, with PX window; otherwise
//     [store.ErrClaimLost].
//   - Release: if the key still holds the caller's token, SET it to
//     "r:" and the claim's fence, with PX one hour; otherwise
//     [store.ErrClaimLost].
//   - Advance: compare the stored time with the event's; refuse an older
//     one, otherwise SET the new time with PX ttl. Equal times advance.
//
// Comparing the token inside the script means a replica whose lease ran
// out can never renew, commit or release a claim another replica took
// after it. A claim whose lease ran out and that nobody took over is still
// the caller's: Renew, Commit and Release succeed on it, as with
// [store.Memory] (the work was done, and recording it prevents a second
// run). Only a claim that another caller took over, or that stayed
// abandoned for the whole retention, reports ErrClaimLost.
//
// # Fences
//
// A claim's [store.Claim.Fence] is one more than the fence of the
// delivery's previous claim, which the key keeps through a release and
// for the retention after a lease ends, but never less than the server's
// clock in milliseconds. So fences grow with every claim of a delivery,
// and keep growing when Redis has forgotten the previous claim (the
// window or retention ended, a restart without persistence, a failover
// that lost the last writes), as long as the server's clock does not go
// back further than the time since that claim. Fences are therefore large
// numbers (milliseconds since 1970), not a count of claims.
//
// Claim and Commit are idempotent when go-redis retries them after a lost
// reply: a Claim that finds its own token reports Claimed with the fence
// it was given, and each Commit call writes a nonce of its own, so its
// retry finds that nonce and succeeds, while a second Commit of the same
// claim still fails. A retried Renew renews again, which is harmless.
//
// A "c:<token>" or "d:<nonce>" value without a fence, as earlier versions
// of this package wrote, reads as a claim in flight or a committed
// delivery, so replicas can be upgraded one at a time. Replicas still on
// such a version see this version's claims as in flight until their key
// expires (lease and retention) and its released deliveries as values
// hookseal did not write (503 until the marker expires): finish a rolling
// upgrade promptly.
//
// # Redis Cluster
//
// Every operation but ClaimAndAdvance touches exactly one key, passed in
// KEYS, so the Store works with a [redis.ClusterClient]: each key lives in
// its own hash slot and the load spreads over the nodes. A delivery key or
// resource that contains a {hash tag} is hashed on the tag, which is
// harmless. Avoid a hash tag in the prefix unless you mean to put every key
// on one node.
//
// [Store.ClaimAndAdvance] (which the middleware uses on a route that
// orders) claims a delivery and advances its resource in one script, one
// round trip, on one server and on Sentinel. A script may only touch keys
// of one slot in a Cluster, where a delivery and its resource almost always
// hash to two: there it makes two calls, Claim then Advance, as earlier
// versions did (so an ordered delivery costs three round trips on a Cluster,
// two elsewhere). The key layout is unchanged, so replicas of this version
// and of earlier ones agree.
//
// A Cluster client made by [ClientConfig.NewClient] reloads its slot map
// as soon as a call fails in a way a failover explains (a connection
// error, a timeout, CLUSTERDOWN, MASTERDOWN, TRYAGAIN, READONLY), and every
// 5 s besides. go-redis alone reloads it on MOVED, which a primary that
// died never sends, and every minute: the deliveries of the dead primary's
// slots then failed for up to a minute after a replica had taken over
// (TestClusterFailover: 33 s after the promotion without the reload, 78 ms
// with it). A ClusterClient of your own can get the same with a hook that
// calls ReloadState on such errors. (An
// [Inbox] is the opposite: all its keys share one hash tag, on purpose;
// see "# Inbox on one shard".)
//
// # Timeouts
//
// Each Redis call gets its own budget ([WithTimeout], default 1 s) through
// context.WithTimeout, well under the 4 to 15 s senders wait for an answer;
// one delivery makes two calls (claim, or claim-and-advance, then commit or
// release; three on a Cluster when it orders), plus a Renew every third of
// the lease while a slow handler runs. The budget holds whatever the
// client's options: a client with ContextTimeoutEnabled (as
// [ClientConfig.NewClient] makes them) gives up the socket read when it
// is spent, and is called directly; any other client is called on
// another goroutine, which the Store stops waiting for when the budget
// is spent (its abandoned read keeps its connection until the client's
// ReadTimeout).
//
// A call waits for a free connection within its budget too: without
// batching, the pool ([ClientConfig.PoolSize], default [DefaultPoolSize],
// 64 per server) must cover the calls in flight, deliveries a second ×
// calls per delivery × round trip (with batching, the default, see
// "# Batching", the Store keeps at most two round trips in flight). Measured through a delay proxy (TestLatencyThroughputAt20msRoundTrip):
// 400 ordered deliveries a second over a 20 ms round trip all succeed, p99
// under 200 ms; with go-redis's default pool of 20 and three calls a
// delivery, half answered 503.
//
// # Batching
//
// Concurrent deliveries share round trips ("auto-pipelining"): a call made
// while fewer than [DefaultMaxPipelines] (2) round trips are in flight is
// sent at once, as it would be without batching; a call made while they
// are waits in a queue, and when a round trip ends, every call waiting
// (up to 128) is sent in one pipeline of EVALSHAs: one write and one read
// for all of them, on go-redis's pool of pipeline connections. Calls
// answered NOSCRIPT are sent again as EVAL, in a second pipeline. On a
// Cluster, go-redis splits a pipeline by node and follows MOVED within
// it. [WithMaxPipelines] sets how many round trips may be in flight; 0
// turns batching off.
//
// Each call keeps what it had alone: its own reply, its own error (a
// script's error, a value hookseal did not write, fails that call only)
// and its own budget. A caller whose budget runs out returns at its
// deadline with the same error as without batching, whatever the
// pipeline it rides does; a pipeline's deadline is the latest of its
// callers', so no call is cut short by another's. A call whose caller
// gave up before its pipeline left is not sent. A Claim that timed out
// in a pipeline that reached Redis is released in the background, as one
// sent alone is (see "# Failure").
//
// Bounds: up to 1,024 calls wait in the queue (a call that finds it full
// waits for room, within its budget), and a pipeline carries up to 128.
// The Store's calls then hold at most two connections per server (one per
// round trip in flight, single or pipelined) instead of one per call in
// flight, so [ClientConfig.PoolSize] matters less. What batching costs: a
// call that waits for a round trip to end waits up to one round trip
// longer than it would have with a free connection; in exchange Redis
// and the receiver make one write and one read for the whole batch,
// which is where their time went on a busy receiver. (go-redis's hooks
// see a pipeline, not each call, and without the caller's context.)
//
// # Failure
//
// When Redis is down, slow or unreachable, every operation returns an
// error, and the middleware fails closed: it answers 503 store_unavailable,
// the handler is not called, and the sender retries later. (A route with
// middleware.WithStoreFailOpen processes deliveries instead.) go-redis
// keeps redialling a Redis that refuses connections until the budget ends,
// so with Redis down each delivery is answered after about one budget.
// A Claim
// (or ClaimAndAdvance) that timed out or lost its connection may still
// have reached Redis, or reach it later; nobody acts on its claim, so the
// Store releases it in the background, if the key holds its token, at
// once and again one and three budgets later. The sender's retry is then
// claimed as soon as Redis answers again (TestLatencyTimedOutClaimIsReleased:
// 30 ms after the timeout), not answered 409 in_flight for the claim's
// lease. Only if Redis stays unreachable for all three attempts does the
// claim wait for its lease to end.
//
// # Failover and restart
//
// What the Store's guarantees rest on is what Redis keeps:
//
//   - A failover (a Cluster replica or a Sentinel-chosen replica taking
//     over) loses what the old primary acknowledged and had not yet sent to
//     the replica: replication is asynchronous. A delivery whose claim or
//     commit was lost is handled again if a copy or retry arrives after the
//     failover; a resource whose time was lost lets an older event through
//     once. The window is the replication lag. The Store does not WAIT for
//     replicas: WAIT would add a round trip to every delivery and still not
//     close the window (a failover may promote the replica that missed the
//     write). TestClusterFailover and TestSentinelFailover kill the primary
//     while two receivers take every delivery twice: 0 handled twice, 0
//     lost, 503s until moments after the promotion.
//   - A restart without persistence loses everything: a retry still fresh,
//     or a replay with a rewritten unsigned header while its signed body
//     time is accepted (at any time for a body without one), is handled
//     again, and a late FAILURE whose RECOVERY was handled before the restart is
//     handled after it. Fences still grow (see "# Fences").
//   - So run Redis with appendonly yes and appendfsync everysec (a crash of
//     the machine loses the last second or two; always loses nothing, at a
//     cost in throughput), with replicas for failover, and with
//     maxmemory-policy noeviction (an evicted claim is a delivery handled
//     twice).
//
// Errors name the operation and the Redis key, never a secret, and say
// what to check. Operations given a lease, window or ttl that is not positive return an
// error wrapping [store.ErrInvalidDuration]; operations whose context is
// already done return an error wrapping ctx.Err(); neither contacts Redis.
//
// # Inbox
//
// [NewInbox] keeps an [inbox.Inbox] on a Redis stream read through a
// consumer group, "runners". Every replica makes an Inbox of the same name;
// each is a consumer of the group (named host-pid-random, or
// [WithConsumer]). An appended entry is stored, and a message for it is
// added to the stream (XADD); a replica's Lease reads the next message
// through the group (XREADGROUP), which puts it in that consumer's pending
// list until the lease ends, and the Ack, Retry or Bury that ends it
// acknowledges and deletes the message (XACK, XDEL). A lease that runs out
// (its replica crashed, or stopped renewing) is taken over by the next
// Lease on any replica: its message is claimed by that replica's consumer
// (XCLAIM) and the entry leased again with its attempt count raised.
//
// A stream delivers in append order, but a resource's entries must run
// one at a time, in event-time order, whichever replica takes them. So a
// message is a turn, not an entry: an entry without a resource has a turn
// of its own; a resource has one turn for all its entries. The turn is in
// one of three places: queued (a message on the stream, not yet read),
// leased (read, in a consumer's pending list, while one of the resource's
// entries runs), or waiting (in a sorted set of backoffs, until the
// resource's first entry may run again). Leasing a resource's turn runs
// the resource's head: its first entry by (event time, acceptance), at the
// moment the turn is read, so an earlier event appended while the turn
// was queued runs first. Since a resource has one turn, and the turn is
// leased while its entry runs, no two entries of a resource run at once.
// When the lease ends, the resource gets a new turn for its new head: a
// message at once, or a wait until the head's backoff ends. An Append or a
// Revive that gives a waiting resource a head that may run sooner (an
// earlier event) queues its turn at once. A resource's turn whose lease
// ran out is taken over as a turn: the taker runs the resource's head,
// which may be an earlier event appended meanwhile, and, if that entry
// coalesces, its newest entry instead.
//
// Why XCLAIM of the lapsed message rather than XAUTOCLAIM: XAUTOCLAIM
// claims what has been idle for one threshold, the same for every message,
// while each lease has its own length (Lease takes it as an argument) and
// Renew extends it. A sorted set of lease deadlines says exactly which
// leases ran out; the group's pending list still shows, for each running
// entry (XPENDING), the consumer holding it, the time since its lease or
// last renewal (Renew resets it), and how often it was delivered.
//
// Every operation is one Lua script, so it is atomic against every other
// replica's, and judges deadlines and backoffs by the server's clock
// (TIME), the one every replica shares. Retry's notBefore is an absolute
// time from the caller's clock: skew between a replica and Redis moves
// backoffs by as much. The scripts (each an EVALSHA, falling back to EVAL):
//
//   - Append: refuse a key held or remembered ("k:"), or a full inbox;
//     store the entry, queue it on its resource and schedule the
//     resource's turn, or queue its own message.
//   - Lease: move backoffs that ended onto the stream; take over one lease
//     that ran out (XCLAIM, and drop the lapsed consumer from the group if
//     it holds nothing more); else read the next message (XREADGROUP) and
//     lease the entry or the resource's head (coalescing: its newest entry,
//     superseding and remembering the others). A message that is not the
//     current turn of its entry or resource (only possible if something
//     else changed the keys) is acknowledged and skipped.
//   - Renew: move the deadline, if the token holds the lease and it has
//     not run out; reset the message's idle time (XCLAIM JUSTID).
//   - Ack: end the lease (XACK, XDEL), delete the entry, remember its key
//     for the retention, schedule its resource's next turn.
//   - Retry: end the lease, hold the entry back until notBefore; a
//     resource's entry keeps its place, so its resource waits for it.
//   - Bury: end the lease, make the entry a dead letter; its resource goes
//     on.
//   - Revive, Drop, Get, Dead, Stats: what their names say, one script
//     each.
//   - Close: take this Inbox's consumer out of the group if it holds no
//     message.
//
// Ack, Retry and Bury accept a lease that ran out as long as nobody took
// the entry over; Renew does not (another entry of the resource may run
// by then). A Lease or Append whose reply is lost (a timeout) may have
// happened: an Append's retry finds its entry by key; a leased entry
// nobody knows of runs again, one attempt higher, when its lease runs out.
// A free entry retried without a backoff goes to the back of the stream,
// behind entries accepted after it.
//
// # Inbox keys
//
// Every key of an inbox starts with <prefix>inbox:{<name>}: (the prefix is
// [WithInboxPrefix], default "hookseal:"), written P below:
//
//	P stream        the stream of turns, with the group "runners"; a message is
//	                "i" <id> (an entry's own turn) or "r" <resource> (a resource's)
//	P held          sorted set: pending and running entries, by acceptance (µs),
//	                for Stats and the bound
//	P dead          sorted set: dead letters, in acceptance order
//	P leases        sorted set: running entries, by lease deadline (ms, server clock)
//	P due           sorted set: turns held back by a backoff, "i:<id>" or
//	                "r:<resource>", by when they may run
//	P turns         hash: resource → its turn: "q<message id>" queued,
//	                "l<message id>" leased, "w" waiting in due
//	P counters      hash: seq (the last entry id), bytes (bodies held),
//	                duplicates (appends of a held key, counted when waiting)
//	P e:<id>        hash: an entry's small fields (key, resource, state,
//	                attempts, lease deadline, token, not-before, last error...)
//	P b:<id>        string: the entry's route, event time, meta and body
//	P k:<key>       string: <id> while the delivery key's entry is held
//	                (pending, running or dead); "-" once acknowledged
//	P q:<resource>  sorted set: the resource's pending and running entries in
//	                run order (members: <event time><sequence>, all of score 0)
//
// TTLs: only a remembered key ("-" at k:<key>) has one, the retention
// ([WithRetention], default a day), after which Redis forgets it. Nothing
// else may expire: an entry is an accepted delivery, and an expiry would
// drop it silently, which an inbox must never do; [WithMaxEntries] and
// [WithMaxBytes] bound the entries instead, and Append fails with
// [inbox.ErrFull] beyond them. The structures empty themselves: an entry's
// keys go when it is acknowledged, superseded or dropped, a resource's
// queue and turn when it has no entry left, and Redis deletes an empty
// sorted set or hash. What stays is the stream (empty: every message is
// deleted once its turn ends; it carries the group) and the counters (seq
// must not go back, or ids would repeat). So configure Redis with
// maxmemory-policy noeviction (or a volatile-* policy, which evicts only
// remembered keys): an allkeys-* policy would evict accepted entries.
//
// The entry is split in two keys so that the hash's values stay short and
// Redis keeps it as a compact listpack: a body in it would exceed
// hash-max-listpack-value (64 bytes) and turn it into a hash table costing
// several hundred bytes more; and the scripts never copy a body they do
// not need.
//
// Memory, measured on Redis 7.0 as the growth of used_memory over 5,000
// entries shaped as the middleware appends them (a 64-hex-digit key, a
// Checkly resource, nine meta fields, a 300-byte body; see
// TestInboxMemoryPerEntry): about 1,240 bytes per pending entry without a
// resource and 1,390 with one (over 100 resources), that is 940 to 1,090
// bytes besides the body, of which about 250 are the meta, route and event
// time the entry carries. A lease adds about 300 bytes while it lasts (the
// token, deadline and consumer in the entry's hash, a member of "leases",
// an entry in the group's pending list). A remembered key costs 250 to 320
// bytes for the retention. So the default bound, 10,000 entries, takes
// about 13 MB with such bodies, and a receiver handling 100,000 deliveries
// a day keeps 25 to 32 MB of remembered keys.
//
// # Inbox on one shard
//
// All of an inbox's keys share the hash tag {<name>}, so a Redis Cluster
// puts them in one slot, on one primary, and each script, which builds the
// per-entry and per-resource keys from the tag it was given, touches that
// slot only (which Redis Cluster requires of a script). One inbox
// therefore lives on one shard: it can grow no larger than that node's
// memory, and its operations are serialised by that node's one script
// thread. On the 2-vCPU machine the tests ran on, a script took 25 to 60
// µs of Redis's time, so an inbox tops out at a few thousand entries a
// second (each needs an Append, a Lease and an Ack, and a Renew every
// third of the lease while a slow handler runs) and a round trip, not
// Redis, bounds each caller. Scale out across shards with several inboxes:
// one per route, say, each a different name and so, most likely, a
// different slot. Resources cannot span inboxes: the order of a resource
// and the bounds need one atomic view, which is why one inbox is never
// split. The name must not contain '{' or '}'.
//
// # Inbox durability
//
// "Durable before accepted" means, on Redis: Append returns once the
// primary has run the script, so the entry is in the primary's memory.
// What survives a failure then depends on how Redis is run:
//
//   - Persistence: with RDB snapshots only, a crash of Redis loses every
//     entry accepted since the last snapshot. With appendonly yes and
//     appendfsync everysec, Redis normally writes the entry to its AOF
//     before it replies, so a crash of the Redis process loses nothing
//     (but while a slow disk holds up the previous fsync, Redis may
//     postpone that write for up to two seconds and reply meanwhile),
//     and a crash of its machine can lose the last one to two seconds of
//     entries. With appendfsync always, Redis writes and fsyncs before it
//     replies and loses none, at a cost in throughput. Without
//     persistence, a restart loses everything.
//   - Replication is asynchronous: a failover (Sentinel, or a Cluster
//     replica taking over) can lose the entries the old primary accepted
//     last. [WithWaitReplicas](n, timeout) makes Append wait, on the
//     connection that wrote, until n replicas have the entry (WAIT), and
//     fail with [ErrNotReplicated] when they do not within timeout (a
//     route then answers 503, so the sender retries, and the retry waits
//     for the entry again). A failover to one of those replicas keeps the
//     entry. WAIT does not make Redis consistent: a failover may still
//     promote a replica that missed it (the ones that had it being
//     unreachable), and a replica's own persistence is its own. Set n to
//     the number of replicas, so that whichever is promoted has every
//     accepted entry.
//     (Redis 7.2's WAITAOF, which also waits for fsyncs, is not used.)
//   - Writes other than Append are not waited for: an acknowledgement lost
//     in a failover runs the entry again (at least once), and a lost lease
//     or retry can lower an entry's Attempts to what the replica had, so
//     a handler may see an attempt number again.
//
// Operations given a lease that is not positive return
// [inbox.ErrInvalidDuration]; operations whose context is already done
// return an error wrapping ctx.Err(); neither contacts Redis. Each call has
// a budget ([WithInboxTimeout], default 1 s; Append's adds the WAIT
// timeout), held as the Store's are.
package redisstore

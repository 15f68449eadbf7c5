// Package redisstore is a hookseal [store.Store] kept in Redis, for
// receivers that run as several replicas behind a load balancer: a sender's
// retry that lands on another replica is recognised as a duplicate, and a
// late FAILURE that lands on another replica than its RECOVERY is dropped as
// out of order.
//
//	client := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	st, err := redisstore.New(client)
//	...
//	route, err := middleware.NewRoute(verifier, handle, middleware.WithStore(st), middleware.WithOrdering(0))
//
// [Dial] makes the client from a URL (redis://:password@redis:6379/0) and
// checks that Redis answers, for programs configured by a flag or an
// environment variable. Package redistest starts a throw-away redis-server
// for tests.
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
// Every key starts with the prefix ([WithPrefix], default "hookseal:"),
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
// Every operation touches exactly one key, passed in KEYS, so the Store
// works with a [redis.ClusterClient]: each key lives in its own hash slot
// and the load spreads over the nodes. A delivery key or resource that
// contains a {hash tag} is hashed on the tag, which is harmless. Avoid a
// hash tag in the prefix unless you mean to put every key on one node.
//
// # Timeouts
//
// Each Redis call gets its own budget ([WithTimeout], default 1 s) through
// context.WithTimeout, well under the 4 to 15 s senders wait for an answer;
// one delivery makes up to three calls (claim, advance, commit or release),
// plus a Renew every third of the lease while a slow handler runs.
// The budget holds whatever the client's options: the call runs on a
// goroutine of its own and the Store stops waiting when the budget is
// spent. Setting ContextTimeoutEnabled in the client's options also makes
// go-redis give up the socket read at that moment; without it, an
// abandoned read keeps its connection until the client's ReadTimeout.
//
// # Failure
//
// When Redis is down, slow or unreachable, every operation returns an
// error, and the middleware fails closed: it answers 503 store_unavailable,
// the handler is not called, and the sender retries later. (A route with
// middleware.WithStoreFailOpen processes deliveries instead.) go-redis
// keeps redialling a Redis that refuses connections until the budget ends,
// so with Redis down each delivery is answered after about one budget.
// A Claim that
// timed out may still have reached Redis; if it did, the sender's retry is
// answered 409 in_flight until the claim's lease ends, and is processed
// after that. Errors name the operation and the Redis key, never a secret,
// and say what to check.
//
// Operations given a lease, window or ttl that is not positive return an
// error wrapping [store.ErrInvalidDuration]; operations whose context is
// already done return an error wrapping ctx.Err(); neither contacts Redis.
package redisstore

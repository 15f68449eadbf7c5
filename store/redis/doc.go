// Package redisstore is a hookseal [store.Store] kept in Redis, for
// receivers that run as several replicas behind a load balancer: a sender's
// retry that lands on another replica is recognised as a duplicate, and a
// late FAILURE that lands on another replica than its RECOVERY is dropped as
// out of order.
//
//	client := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	st, err := redisstore.New(client)
//	...
//	h, err := middleware.Handle(verifier, handle, middleware.WithStore(st), middleware.WithOrdering(0))
//
// [Dial] makes the client from a URL (redis://:password@redis:6379/0) and
// checks that Redis answers, for programs configured by a flag or an
// environment variable. Package redistest starts a throw-away redis-server
// for tests.
//
// It is a module of its own (github.com/hookseal/hookseal/store/redis), so
// only receivers that use it get go-redis in their module graph.
//
// # Keys
//
// Every key starts with the prefix ([WithPrefix], default "hookseal:"),
// followed by a namespace, so deliveries and resources never share a key:
//
//	<prefix>dedupe:<delivery key>   a delivery: "c:<token>" while claimed, "d:<nonce>" once committed
//	<prefix>order:<resource>        a resource: its newest event time, in ms since the Unix epoch
//
// With the middleware's keys that reads, for example,
// "hookseal:dedupe:9f86d081…" (the delivery's key: 64 hex digits) and
// "hookseal:order:checkly:<check id>".
// Every key has a TTL: the claim's lease, the commit's window or the
// ordering ttl, so Redis itself forgets what is no longer needed and the
// Store never scans or sweeps. Size Redis for the deliveries one dedupe
// window sees: with the middleware's keys, each costs about 250 bytes of
// Redis memory (measured on Redis 7), so 100,000 deliveries in a
// 10-minute window take about 25 MB.
//
// # Scripts
//
// Each operation is one Lua script on one key, so it is atomic against
// every other replica's operations on that key. The scripts are sent with
// EVALSHA, falling back to EVAL when Redis does not have them cached (after
// a restart or SCRIPT FLUSH), through [redis.NewScript].
//
//   - Claim: SET key "c:"+token NX PX lease; when the key exists, its value
//     tells an unexpired claim (InFlight) from a committed delivery (Done).
//     Tokens are 128 bits from crypto/rand.
//   - Commit: if the key still holds "c:"+token, SET it to a done marker
//     with PX window; otherwise [store.ErrClaimLost].
//   - Release: if the key still holds "c:"+token, DEL it; otherwise
//     [store.ErrClaimLost].
//   - Advance: compare the stored time with the event's; refuse an older
//     one, otherwise SET the new time with PX ttl. Equal times advance.
//
// Comparing the token inside the script means a replica whose lease ran
// out can never commit or release a claim another replica took after it.
// Redis drops a claim when its lease ends, so a Commit after the lease
// always reports ErrClaimLost (the contract lets a store choose); the
// middleware answers 200 all the same, and only the record is lost.
//
// Claim and Commit are idempotent when go-redis retries them after a lost
// reply: a Claim that finds its own token reports Claimed, and each Commit
// call writes a nonce of its own, so its retry finds that nonce and
// succeeds, while a second Commit of the same claim still fails.
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
// one delivery makes up to three calls (claim, advance, commit or release).
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

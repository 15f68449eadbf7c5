package redisstore

import "github.com/redis/go-redis/v9"

// The inbox's scripts. Each operation of [Inbox] is one of them, so it is
// atomic against every other replica's operations: Redis runs one script
// at a time. The package documentation ("# Inbox") describes the keys and
// what each script does to them; the comments here say why.
//
// Every script gets the same KEYS, the inbox's fixed keys, so that a
// cluster routes it to the inbox's slot; ARGV[1] is the prefix of the
// per-entry, per-delivery-key and per-resource keys, which the scripts
// build themselves. All of them carry the inbox's {hash tag}, so they live
// in the same slot as KEYS (Redis checks that a script's keys share one).
//
// Numbers: Lua numbers are doubles, exact up to 2^53, which holds times in
// ms and µs since 1970 and the sequence. Numbers passed to redis.call or
// returned go through int, which formats them in full: Lua's tostring
// would write 1.7e+15.

// inboxPrelude names the keys, reads the server's clock (TIME) when asked
// (every deadline and backoff is judged by the one clock all replicas
// share), and defines what several scripts do alike.
const inboxPrelude = `
local STREAM, HELD, DEAD, LEASES, DUE, TURNS, COUNTERS = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local P = ARGV[1]
-- The consumer group every replica reads the stream through: fixed, since
-- the replicas of an inbox must share it.
local GROUP = 'runners'
-- The clock is read on first use: a script that needs no time saves the
-- call (each redis.call costs a few µs of the script's time).
local nowMsV, nowUsV
local function nowUs()
  if not nowUsV then
    local t = redis.call('TIME')
    nowUsV = tonumber(t[1]) * 1000000 + tonumber(t[2])
    nowMsV = math.floor(nowUsV / 1000)
  end
  return nowUsV
end
local function nowMs()
  nowUs()
  return nowMsV
end

local function int(n) return string.format('%d', n) end
local function ekey(id) return P .. 'e:' .. id end
local function bkey(id) return P .. 'b:' .. id end
local function kkey(k) return P .. 'k:' .. k end
local function qkey(r) return P .. 'q:' .. r end
-- A resource queue's member is 16 hex digits of event time and the entry's
-- sequence in 16 decimal digits: members of equal score sort as strings,
-- so a queue is in (event time, acceptance) order.
local function idOf(member) return int(tonumber(string.sub(member, 17))) end

-- push queues a message on the stream (creating the stream on first
-- use; the consumer group is made by the first read, in inboxLeaseScript).
local function push(field, value)
  return redis.call('XADD', STREAM, '*', field, value)
end

-- drop removes a message whose work is over from the group's pending
-- list and from the stream, so the stream holds only live turns.
local function drop(sid)
  redis.call('XACK', STREAM, GROUP, sid)
  redis.call('XDEL', STREAM, sid)
end

-- schedule gives resource r the turn its head entry is due, when r has no
-- turn queued or running: a message on the stream when the head may run
-- now, an entry in DUE when a backoff holds it back, nothing when r has
-- no pending entry. A waiting turn is recomputed, since a new head (an
-- earlier event, a revived entry) may be ready sooner.
local function schedule(r)
  local turn = redis.call('HGET', TURNS, r)
  if turn and turn ~= 'w' then
    return
  end
  local head = redis.call('ZRANGE', qkey(r), 0, 0)[1]
  if not head then
    if turn then
      redis.call('HDEL', TURNS, r)
      redis.call('ZREM', DUE, 'r:' .. r)
    end
    return
  end
  local nb = tonumber(redis.call('HGET', ekey(idOf(head)), 'nb') or '0')
  if nb > nowMs() then
    redis.call('ZADD', DUE, int(nb), 'r:' .. r)
    redis.call('HSET', TURNS, r, 'w')
  else
    if turn then
      redis.call('ZREM', DUE, 'r:' .. r)
    end
    redis.call('HSET', TURNS, r, 'q' .. push('r', r))
  end
end

-- held returns the fields of entry id that ending its lease needs, if the
-- lease of token holds it, whatever its deadline: a lease that ran out
-- and that nobody took over is still its holder's.
local function held(id, token)
  local f = redis.call('HMGET', ekey(id), 's', 't', 'x', 'rs', 'k', 'o', 'z')
  if f[1] ~= 'r' or f[2] ~= token then
    return nil
  end
  return {x = f[3], rs = f[4], k = f[5], o = f[6], z = f[7]}
end

-- endLease ends the lease of entry id (fields e from held): its turn's
-- message is done, and its resource has no turn until schedule gives it
-- one. keep: the entry stays, so its lease fields go.
local function endLease(id, e, keep)
  redis.call('ZREM', LEASES, id)
  if e.x then
    drop(e.x)
  end
  if keep then
    redis.call('HDEL', ekey(id), 't', 'd', 'w', 'x')
  end
  if e.rs then
    redis.call('HDEL', TURNS, e.rs)
  end
end

-- removeEntry forgets entry id (fields e) entirely, from set, HELD or
-- DEAD, where it is.
local function removeEntry(id, e, set)
  redis.call('DEL', ekey(id), bkey(id))
  redis.call('ZREM', set, id)
  if e.rs then
    redis.call('ZREM', qkey(e.rs), e.o)
  end
  redis.call('HINCRBY', COUNTERS, 'bytes', int(-tonumber(e.z or '0')))
end

-- remember keeps an acknowledged (or superseded) delivery key for the
-- retention, in ms, so that a copy appended later is not run again.
local function remember(k, retention)
  if k then
    redis.call('SET', kkey(k), '-', 'PX', retention)
  end
end

-- snapshot is what Get, Dead and Lease return of an entry.
local function snapshot(id)
  return {id, redis.call('HGETALL', ekey(id)), redis.call('GET', bkey(id)) or ''}
end
`

// inboxAppendScript stores an entry, once per delivery key.
// ARGV: 2 key, 3 resource, 4 coalesce ("1" or ""), 5 event-time sort key
// (16 hex digits), 6 dead ("1" or ""), 7 last error (of a dead letter),
// 8 max entries, 9 max bytes, 10 body length, 11 payload, 12 "1" when
// the caller will WAIT for replicas.
// Replies {1, id} added; {0, id} the key is held by entry id; {0, ""}
// the key was acknowledged within the retention; {-1, n} full at n
// entries; {-2, bytes} full at bytes.
//
// A duplicate changes nothing, but when the caller will WAIT it bumps a
// counter: WAIT waits for the replication offset of the caller's
// connection, and the held entry was written by another connection, maybe
// one whose WAIT failed. Redis 7.0 and earlier set that offset after every
// command; later versions may set it only after a write. Writing now
// makes it at least the entry's on every version, so WAIT covers it.
var inboxAppendScript = redis.NewScript(inboxPrelude + `
local key, res = ARGV[2], ARGV[3]
if key ~= '' then
  local v = redis.call('GET', kkey(key))
  if v then
    if ARGV[12] == '1' then
      redis.call('HINCRBY', COUNTERS, 'duplicates', 1)
    end
    if v == '-' then
      return {0, ''}
    end
    return {0, v}
  end
end
local n = redis.call('ZCARD', HELD) + redis.call('ZCARD', DEAD)
if n >= tonumber(ARGV[8]) then
  return {-1, n}
end
local bytes = tonumber(redis.call('HGET', COUNTERS, 'bytes') or '0')
local z = tonumber(ARGV[10])
if bytes + z > tonumber(ARGV[9]) then
  return {-2, bytes}
end
local seq = redis.call('HINCRBY', COUNTERS, 'seq', 1)
local id = int(seq)
local f = {'a', int(nowUs()), 'n', '0', 'z', int(z), 's', 'p'}
local function field(name, value)
  f[#f + 1] = name
  f[#f + 1] = value
end
if key ~= '' then
  field('k', key)
end
if ARGV[4] == '1' then
  field('c', '1')
end
local o
if res ~= '' then
  o = ARGV[5] .. string.format('%016d', seq)
  field('rs', res)
  field('o', o)
end
local dead = ARGV[6] == '1'
if dead then
  f[8] = 'd'
  field('le', ARGV[7])
elseif not o then
  field('x', push('i', id))
end
redis.call('HSET', ekey(id), unpack(f))
redis.call('SET', bkey(id), ARGV[11])
redis.call('HINCRBY', COUNTERS, 'bytes', int(z))
if key ~= '' then
  redis.call('SET', kkey(key), id)
end
if dead then
  redis.call('ZADD', DEAD, id, id)
else
  redis.call('ZADD', HELD, int(nowUs()), id)
  if o then
    redis.call('ZADD', qkey(res), 0, o)
    schedule(res)
  end
end
return {1, id}
`)

// inboxLeaseScript takes the next entry ready to run.
// ARGV: 2 consumer, 3 token, 4 lease in ms, 5 retention in ms.
// Replies {0} when nothing is ready, else {1, entry, superseded}: entry
// is {id, fields, payload}, superseded a list of those.
//
// In order: turns and retries whose backoff is over go onto the stream;
// then one lease that ran out is taken over (its message claimed by this
// consumer, as XAUTOCLAIM would, but by the lease's own deadline: one
// idle threshold for the whole group cannot express leases of different
// lengths); then the consumer reads the next message through the group.
// A message is a free entry's ("i") or a resource's turn ("r"); a turn
// runs the resource's head, whichever entry that is by then.
var inboxLeaseScript = redis.NewScript(inboxPrelude + `
local CONSUMER, TOKEN, LEASE, RETENTION = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]

local function take(id, sid)
  local dl = nowMs() + LEASE
  redis.call('HINCRBY', ekey(id), 'n', 1)
  redis.call('HSET', ekey(id), 's', 'r', 't', TOKEN, 'd', int(dl), 'x', sid, 'w', CONSUMER)
  redis.call('ZADD', LEASES, int(dl), id)
end

-- deliver gives resource r's turn, message sid (in this consumer's
-- pending list), to r's head, or with coalescing to its newest entry.
-- Nothing is ready only if the keys were changed behind the scripts'
-- back: the turn is then dropped and scheduled anew.
local function deliver(r, sid)
  local q = qkey(r)
  local head = redis.call('ZRANGE', q, 0, 0)[1]
  if not head or tonumber(redis.call('HGET', ekey(idOf(head)), 'nb') or '0') > nowMs() then
    drop(sid)
    redis.call('HDEL', TURNS, r)
    schedule(r)
    return nil
  end
  local id = idOf(head)
  redis.call('HSET', TURNS, r, 'l' .. sid)
  local superseded = {}
  if redis.call('HGET', ekey(id), 'c') == '1' then
    local all = redis.call('ZRANGE', q, 0, -1)
    for i = 1, #all - 1 do
      local old = idOf(all[i])
      local f = redis.call('HMGET', ekey(old), 'k', 'z')
      superseded[i] = snapshot(old)
      removeEntry(old, {rs = r, o = all[i], z = f[2]}, HELD)
      remember(f[1], RETENTION)
    end
    id = idOf(all[#all])
  end
  take(id, sid)
  return {1, snapshot(id), superseded}
end

local due = redis.call('ZRANGEBYSCORE', DUE, '-inf', int(nowMs()), 'LIMIT', 0, 100)
for _, m in ipairs(due) do
  redis.call('ZREM', DUE, m)
  local v = string.sub(m, 3)
  if string.sub(m, 1, 2) == 'r:' then
    schedule(v)
  elseif redis.call('HGET', ekey(v), 's') == 'p' then
    redis.call('HSET', ekey(v), 'x', push('i', v))
  end
end

local expired = redis.call('ZRANGEBYSCORE', LEASES, '-inf', int(nowMs()), 'LIMIT', 0, 1)[1]
if expired then
  local f = redis.call('HMGET', ekey(expired), 'x', 'w', 'rs')
  if not f[1] then
    return redis.error_reply('hookseal: inbox entry ' .. expired .. ' is leased without a stream message; something other than hookseal changed the inbox keys')
  end
  redis.call('ZREM', LEASES, expired)
  redis.call('XCLAIM', STREAM, GROUP, CONSUMER, 0, f[1])
  -- The consumer that let the lease run out is most likely gone: forget
  -- it once it holds nothing (a live one is recreated by its next read).
  if f[2] and f[2] ~= CONSUMER and #redis.call('XPENDING', STREAM, GROUP, '-', '+', 1, f[2]) == 0 then
    redis.call('XGROUP', 'DELCONSUMER', STREAM, GROUP, f[2])
  end
  if not f[3] then
    take(expired, f[1])
    return {1, snapshot(expired), {}}
  end
  redis.call('HSET', ekey(expired), 's', 'p')
  redis.call('HDEL', ekey(expired), 't', 'd', 'w', 'x')
  local got = deliver(f[3], f[1])
  if got then
    return got
  end
end

-- The group is made here, on the first read that finds none (the stream
-- is new, or Redis lost it), rather than checked before every append. It
-- starts at 0, so it delivers every message queued before it existed.
local function read()
  local ok, r = pcall(redis.call, 'XREADGROUP', 'GROUP', GROUP, CONSUMER, 'COUNT', 1, 'STREAMS', STREAM, '>')
  if ok then
    return r
  end
  -- The error is a string (as on Redis 7.0) or a table with err.
  local msg = type(r) == 'table' and r.err or tostring(r)
  if not string.find(msg, 'NOGROUP', 1, true) then
    return redis.error_reply(msg)
  end
  redis.call('XGROUP', 'CREATE', STREAM, GROUP, '0', 'MKSTREAM')
  return redis.call('XREADGROUP', 'GROUP', GROUP, CONSUMER, 'COUNT', 1, 'STREAMS', STREAM, '>')
end

for _ = 1, 100 do
  local got = read()
  if not got then
    return {0}
  end
  if got.err then
    return got
  end
  local msg = got[1][2][1]
  local sid, kind, v = msg[1], msg[2][1], msg[2][2]
  if kind == 'i' then
    local f = redis.call('HMGET', ekey(v), 's', 'x')
    if f[1] == 'p' and f[2] == sid then
      take(v, sid)
      return {1, snapshot(v), {}}
    end
    drop(sid) -- stale: not this entry's current message
  elseif redis.call('HGET', TURNS, v) == 'q' .. sid then
    local delivered = deliver(v, sid)
    if delivered then
      return delivered
    end
  else
    drop(sid) -- stale: not this resource's current turn
  end
end
return {0}
`)

// inboxRenewScript moves a held lease's deadline to lease from now.
// ARGV: 2 id, 3 token, 4 lease in ms. Replies 1, or 0 when not held or
// run out: once a lease has run out, another entry of its resource (an
// earlier event appended meanwhile) may have been leased, and extending
// the lapsed one would let two run at once. (Ack, Retry and Bury still
// accept a lapsed lease nobody took over: they end it.)
// It also resets the message's idle time in the group's pending list
// (XCLAIM to the same consumer, JUSTID so the delivery count stays), so
// XPENDING shows operators how long ago each lease was renewed.
var inboxRenewScript = redis.NewScript(inboxPrelude + `
local id = ARGV[2]
local f = redis.call('HMGET', ekey(id), 's', 't', 'x', 'w', 'd')
if f[1] ~= 'r' or f[2] ~= ARGV[3] or tonumber(f[5] or '0') <= nowMs() then
  return 0
end
local dl = nowMs() + tonumber(ARGV[4])
redis.call('HSET', ekey(id), 'd', int(dl))
redis.call('ZADD', LEASES, int(dl), id)
if f[3] and f[4] then
  redis.call('XCLAIM', STREAM, GROUP, f[4], 0, f[3], 'JUSTID')
end
return 1
`)

// inboxAckScript removes a handled entry and remembers its key.
// ARGV: 2 id, 3 token, 4 retention in ms. Replies 1, or 0 when not held.
var inboxAckScript = redis.NewScript(inboxPrelude + `
local id = ARGV[2]
local e = held(id, ARGV[3])
if not e then
  return 0
end
endLease(id, e, false)
removeEntry(id, e, HELD)
remember(e.k, ARGV[4])
if e.rs then
  schedule(e.rs)
end
return 1
`)

// inboxRetryScript returns a held entry to pending, held back until a time.
// ARGV: 2 id, 3 token, 4 not-before in ms since 1970 (0: none), 5 cause.
// Replies 1, or 0 when not held. A resource's entry keeps its place (its
// resource waits for it); a free entry goes to the back of the stream, or
// to DUE until its time.
var inboxRetryScript = redis.NewScript(inboxPrelude + `
local id = ARGV[2]
local e = held(id, ARGV[3])
if not e then
  return 0
end
endLease(id, e, true)
local nb = tonumber(ARGV[4])
redis.call('HSET', ekey(id), 's', 'p', 'le', ARGV[5])
if nb > 0 then
  redis.call('HSET', ekey(id), 'nb', int(nb))
else
  redis.call('HDEL', ekey(id), 'nb')
end
if e.rs then
  schedule(e.rs)
elseif nb > nowMs() then
  redis.call('ZADD', DUE, int(nb), 'i:' .. id)
else
  redis.call('HSET', ekey(id), 'x', push('i', id))
end
return 1
`)

// inboxBuryScript makes a held entry a dead letter; its resource goes on.
// ARGV: 2 id, 3 token, 4 cause. Replies 1, or 0 when not held.
var inboxBuryScript = redis.NewScript(inboxPrelude + `
local id = ARGV[2]
local e = held(id, ARGV[3])
if not e then
  return 0
end
endLease(id, e, true)
redis.call('HSET', ekey(id), 's', 'd', 'le', ARGV[4])
redis.call('ZREM', HELD, id)
redis.call('ZADD', DEAD, id, id)
if e.rs then
  redis.call('ZREM', qkey(e.rs), e.o)
  schedule(e.rs)
end
return 1
`)

// inboxReviveScript returns a dead letter to pending, to run at once, in its
// resource's order. ARGV: 2 id. Replies 1, or 0 when id is no dead letter.
var inboxReviveScript = redis.NewScript(inboxPrelude + `
local id = ARGV[2]
local f = redis.call('HMGET', ekey(id), 's', 'rs', 'o', 'a')
if f[1] ~= 'd' then
  return 0
end
redis.call('HSET', ekey(id), 's', 'p')
redis.call('HDEL', ekey(id), 'nb')
redis.call('ZREM', DEAD, id)
redis.call('ZADD', HELD, f[4], id)
if f[2] then
  redis.call('ZADD', qkey(f[2]), 0, f[3])
  schedule(f[2])
else
  redis.call('HSET', ekey(id), 'x', push('i', id))
end
return 1
`)

// inboxDropScript deletes a dead letter. ARGV: 2 id. Replies 1, or 0 when id
// is no dead letter. Its key is forgotten, not remembered: dropping is an
// operator's decision that the delivery may come again.
var inboxDropScript = redis.NewScript(inboxPrelude + `
local id = ARGV[2]
local f = redis.call('HMGET', ekey(id), 's', 'k', 'z')
if f[1] ~= 'd' then
  return 0
end
removeEntry(id, {z = f[3]}, DEAD)
if f[2] and redis.call('GET', kkey(f[2])) == id then
  redis.call('DEL', kkey(f[2]))
end
return 1
`)

// inboxGetScript replies an entry's snapshot, or {} when there is none.
// ARGV: 2 id.
var inboxGetScript = redis.NewScript(inboxPrelude + `
if redis.call('EXISTS', ekey(ARGV[2])) == 0 then
  return {}
end
return snapshot(ARGV[2])
`)

// inboxDeadScript replies up to ARGV[2] dead letters (all when 0), oldest
// first, as snapshots.
var inboxDeadScript = redis.NewScript(inboxPrelude + `
local limit = tonumber(ARGV[2])
local out = {}
for i, id in ipairs(redis.call('ZRANGE', DEAD, 0, limit > 0 and limit - 1 or -1)) do
  out[i] = snapshot(id)
end
return out
`)

// inboxStatsScript replies {pending, running, dead, oldest acceptance in µs
// or ""}. Running counts leases whose deadline has not passed; a lease
// that ran out counts as pending, as it may be taken over.
var inboxStatsScript = redis.NewScript(inboxPrelude + `
local held = redis.call('ZCARD', HELD)
local running = redis.call('ZCOUNT', LEASES, '(' .. int(nowMs()), '+inf')
local oldest = redis.call('ZRANGE', HELD, 0, 0, 'WITHSCORES')[2] or ''
return {held - running, running, redis.call('ZCARD', DEAD), oldest}
`)

// inboxCloseScript removes ARGV[2] from the consumer group if it holds no
// message. Replies 1 if removed, else 0.
var inboxCloseScript = redis.NewScript(inboxPrelude + `
if redis.call('EXISTS', STREAM) == 0 then
  return 0
end
local ok, pending = pcall(redis.call, 'XPENDING', STREAM, GROUP, '-', '+', 1, ARGV[2])
if not ok or #pending > 0 then
  return 0
end
return redis.call('XGROUP', 'DELCONSUMER', STREAM, GROUP, ARGV[2]) >= 0 and 1 or 0
`)

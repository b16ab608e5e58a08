/**
 * The fleet's Lua scripts: each runs atomically in Redis, so a check and the write it guards cannot be
 * separated by another replica's command (that is what makes the lease token a fence).
 */
import type { Redis } from 'ioredis';

/**
 * Lease for one batch. KEYS: lease, fence counter. ARGV: my token ('0' = none), ttl ms.
 * Returns `{token, 0}` when I hold it (renewed, or newly acquired with a token from the ever-increasing
 * counter), `{0, pttl}` when another replica holds it.
 */
const LEASE = `
local current = redis.call('GET', KEYS[1])
if current and current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {tonumber(current), 0}
end
if current then return {0, redis.call('PTTL', KEYS[1])} end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return {token, 0}`;

/** Gives a lease up, only if it is still mine. KEYS: lease. ARGV: token. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Appends one poll's events for a batch, fenced. KEYS: lease, stream, state hash, channel.
 * ARGV: token, expected previous seq, new seq, maxlen, retention ms, snapshot body ('' = unchanged), at,
 * done (0/1), then triples (stream id, type, frame).
 * Returns 1, or -1 when the lease is not (or no longer) this token's, or -2 when the batch's seq is not the
 * expected one (someone else appended): nothing is written in either case.
 */
const APPEND = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local seq = tonumber(redis.call('HGET', KEYS[3], 'seq') or '0')
if seq ~= tonumber(ARGV[2]) then return -2 end
local last = ''
for i = 9, #ARGV, 3 do
  last = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], ARGV[i], 't', ARGV[i + 1], 'f', ARGV[i + 2])
end
redis.call('HSET', KEYS[3], 'seq', ARGV[3], 'done', ARGV[8])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[3], 'body', ARGV[6], 'at', ARGV[7]) end
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
if last ~= '' then redis.call('PUBLISH', KEYS[4], last) end
return 1`;

/**
 * Everything after a stream id, with the state when it differs from what the reader has.
 * KEYS: stream, state hash. ARGV: exclusive start id ('-' = from the start), known state seq, count.
 * Returns {entries, seq, done, body or false, at or false}.
 */
const READ = `
local entries
if ARGV[1] == '-' then entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', ARGV[3])
else entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[3]) end
local state = redis.call('HMGET', KEYS[2], 'seq', 'done')
local seq = state[1] or '0'
if seq == ARGV[2] then return {entries, seq, state[2] or '0', false, false} end
local rest = redis.call('HMGET', KEYS[2], 'body', 'at')
return {entries, seq, state[2] or '0', rest[1], rest[2]}`;

/** Raises a batch's seq to at least ARGV[1] (after an outage, ids never go back). KEYS: state hash. ARGV: seq, retention ms. */
const RAISE = `
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if tonumber(ARGV[1]) > seq then
  redis.call('HSET', KEYS[1], 'seq', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`;

/**
 * The fleet's upstream budget: a token bucket refilled at ARGV rate, with a FIFO queue of waiting pollers
 * (fair: the one waiting longest goes first) and a reserve only caller GETs may use.
 * KEYS: bucket hash, poll queue (zset: member → ticket, in order of first ask), last asks (hash: member → time).
 * Pollers that stopped asking (gone, or their batch ended) are dropped from the head of the queue, so the
 * queue never waits for them; each call costs O(log n).
 * ARGV: capacity, tokens per ms, reserve, kind ('get'|'poll'), member, forget-after ms.
 * Returns {granted 1/0, wait ms, tokens left ×1000}.
 */
const BUDGET = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local reserve = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1] or ARGV[1])
local ts = tonumber(b[2] or now)
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local granted = 0
local wait = 0
if ARGV[4] == 'get' then
  if tokens >= 1 then granted = 1; tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
else
  if not redis.call('ZSCORE', KEYS[2], ARGV[5]) then
    redis.call('ZADD', KEYS[2], redis.call('HINCRBY', KEYS[1], 'ticket', 1), ARGV[5])
  end
  redis.call('HSET', KEYS[3], ARGV[5], now)
  while true do
    local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
    if not head or tonumber(redis.call('HGET', KEYS[3], head) or '0') >= now - tonumber(ARGV[6]) then break end
    redis.call('ZREM', KEYS[2], head)
    redis.call('HDEL', KEYS[3], head)
  end
  local rank = redis.call('ZRANK', KEYS[2], ARGV[5])
  local usable = tokens - reserve
  if rank < math.floor(usable) then
    granted = 1
    tokens = tokens - 1
    redis.call('ZREM', KEYS[2], ARGV[5])
    redis.call('HDEL', KEYS[3], ARGV[5])
  else
    wait = math.ceil((rank + 1 - usable) / rate)
  end
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.max(math.ceil(capacity / rate), tonumber(ARGV[6])) * 2) -- the ticket outlives the queue
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[6]) * 2)
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[6]) * 2)
return {granted, wait, math.floor(tokens * 1000)}`;

export type ReadReply = [entries: Array<[id: string, fields: string[]]>, seq: string, done: string, body: string | null, at: string | null];

interface FleetCommands {
  fleetLease(lease: string, fence: string, token: string, ttlMs: number): Promise<[number, number]>;
  fleetRelease(lease: string, token: string): Promise<number>;
  fleetAppend(lease: string, stream: string, state: string, channel: string, ...args: Array<string | number>): Promise<number>;
  fleetRead(stream: string, state: string, after: string, knownSeq: string, count: number): Promise<ReadReply>;
  fleetRaise(state: string, seq: number, retentionMs: number): Promise<number>;
  fleetBudget(bucket: string, queue: string, asked: string, ...args: Array<string | number>): Promise<[number, number, number]>;
}

export type FleetClient = Redis & FleetCommands;

/** Defines the scripts as commands (EVALSHA, falling back to EVAL once per connection). */
export function defineScripts(redis: Redis): FleetClient {
  redis.defineCommand('fleetLease', { numberOfKeys: 2, lua: LEASE });
  redis.defineCommand('fleetRelease', { numberOfKeys: 1, lua: RELEASE });
  redis.defineCommand('fleetAppend', { numberOfKeys: 4, lua: APPEND });
  redis.defineCommand('fleetRead', { numberOfKeys: 2, lua: READ });
  redis.defineCommand('fleetRaise', { numberOfKeys: 1, lua: RAISE });
  redis.defineCommand('fleetBudget', { numberOfKeys: 3, lua: BUDGET });
  return redis as FleetClient;
}

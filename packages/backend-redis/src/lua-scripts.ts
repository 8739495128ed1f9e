/**
 * The server-side scripts. Each write script changes the data, the sorted index and the change
 * log together, so readers and watchers never see one without the other. Data reaches the
 * scripts only through KEYS and ARGV; no Lua source is ever built from input.
 *
 * Conventions: a payload's bytes 2–17 are its version; `off` is the 1-based offset of the index
 * member inside a data key; an empty TTL argument means no expiry (and clears any old one).
 */

/**
 * Lua that records when member `m` (of data key `k`) expires, in the expiry sorted set `e`, and
 * drops from the index `i` up to 8 members whose time has passed and whose value is gone. So
 * keys that expire without ever being listed do not pile up in the index: every write with a
 * TTL cleans up a little after earlier ones. Runs only for writes with a TTL.
 */
const TRACK = (e: string, i: string, k: string, m: string, ttl: string, off: string): string => `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', ${e}, now + tonumber(${ttl}), ${m})
local gone = redis.call('ZRANGEBYSCORE', ${e}, '-inf', now, 'LIMIT', 0, 8)
local dp = string.sub(${k}, 1, ${off} - 1)
for j = 1, #gone do
  if redis.call('EXISTS', dp .. gone[j]) == 0 then redis.call('ZREM', ${i}, gone[j]) end
  redis.call('ZREM', ${e}, gone[j])
end`;

// Batch scripts (setMany, deleteMany, commit) append one change log entry for the whole batch:
// its fields list every change in order ('s', member, 'v', version or 'd', member). One XADD
// instead of one per key makes a batch of 100 about 3x cheaper on the server.
const WRITE = `
local changes = {}
local function put(k, p, ttl, off, idx, e)
  local m = string.sub(k, off)
  local existed = redis.call('EXISTS', k) == 1
  if ttl == '' then
    redis.call('SET', k, p)
  else
    redis.call('SET', k, p, 'PX', ttl)${TRACK("e", "idx", "k", "m", "ttl", "off")}
  end
  if not existed then redis.call('ZADD', idx, 0, m) end
  local c = #changes
  changes[c + 1], changes[c + 2], changes[c + 3], changes[c + 4] = 's', m, 'v', string.sub(p, 2, 17)
end
local function del(k, off, idx)
  local m = string.sub(k, off)
  local existed = redis.call('DEL', k)
  redis.call('ZREM', idx, m)
  if existed == 1 then
    local c = #changes
    changes[c + 1], changes[c + 2] = 'd', m
  end
  return existed
end
local function log(key, maxlen)
  if #changes > 0 then redis.call('XADD', key, 'MAXLEN', '~', maxlen, '*', unpack(changes)) end
end
`;

// The hot scripts (set, delete, compare-and-set) are written inline: defining the helper functions
// above costs every call about 1.5 µs of server time (measured with INFO commandstats).
//
// `existed` is a Lua expression, evaluated before the write, that tells whether the key holds a
// value: then its member is already in the index (a member leaves the index only with its
// value), and the ZADD is skipped, which makes an overwrite about a fifth cheaper.
const PUT_INLINE = (
  payload: string,
  ttl: string,
  maxlen: string,
  off: string,
  existed: string,
): string => `
local m = string.sub(KEYS[1], ${off})
local existed = ${existed}
if ${ttl} == '' then
  redis.call('SET', KEYS[1], ${payload})
else
  redis.call('SET', KEYS[1], ${payload}, 'PX', ${ttl})${TRACK("KEYS[4]", "KEYS[2]", "KEYS[1]", "m", ttl, off)}
end
if not existed then redis.call('ZADD', KEYS[2], 0, m) end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ${maxlen}, '*', 's', m, 'v', string.sub(${payload}, 2, 17))
return 1`;

/** KEYS: data, index, log, expiry. ARGV: payload, ttl, maxlen, off. */
export const SET_SCRIPT: string = PUT_INLINE(
  "ARGV[1]",
  "ARGV[2]",
  "ARGV[3]",
  "ARGV[4]",
  "redis.call('EXISTS', KEYS[1]) == 1",
);

/** KEYS: data, index, log. ARGV: maxlen, off. Returns 1 when the key existed. */
export const DELETE_SCRIPT: string = `
local m = string.sub(KEYS[1], ARGV[2])
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], m)
if existed == 1 then redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[1], '*', 'd', m) end
return existed`;

/**
 * KEYS: data, index, log, expiry. ARGV: expected version bytes ('' = must be absent), payload, ttl,
 * maxlen, off. Returns 1 when written, 0 on a conflict (nothing written). GETRANGE reads only
 * the version, and gives '' for a missing key, which is exactly the "absent" expectation.
 */
export const CAS_SCRIPT: string = `
if redis.call('GETRANGE', KEYS[1], 1, 16) ~= ARGV[1] then return 0 end${PUT_INLINE("ARGV[2]", "ARGV[3]", "ARGV[4]", "ARGV[5]", "ARGV[1] ~= ''")}`;

/**
 * KEYS: index, log, expiry, data keys. ARGV: maxlen, off, ttl, one payload per data key. One
 * MSET (without expiry), one ZADD and one change log entry for the whole batch. A data key
 * given twice ends with its later payload and is logged twice, like two sets in a row.
 */
export const SET_MANY_SCRIPT: string = `
local off, ttl, n = tonumber(ARGV[2]), ARGV[3], #KEYS - 3
local flat, scored, changes = {}, {}, {}
for i = 1, n do
  local k = KEYS[i + 3]
  local m = string.sub(k, off)
  flat[2 * i - 1], flat[2 * i] = k, ARGV[i + 3]
  scored[2 * i - 1], scored[2 * i] = 0, m
  changes[4 * i - 3], changes[4 * i - 2], changes[4 * i - 1], changes[4 * i] = 's', m, 'v', string.sub(ARGV[i + 3], 2, 17)
end
if ttl == '' then
  redis.call('MSET', unpack(flat))
else
  for i = 1, n do
    local k, m = KEYS[i + 3], scored[2 * i]
    redis.call('SET', k, ARGV[i + 3], 'PX', ttl)${TRACK("KEYS[3]", "KEYS[1]", "k", "m", "ttl", "off")}
  end
end
redis.call('ZADD', KEYS[1], unpack(scored))
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', unpack(changes))
return 1`;

/** KEYS: index, log, data keys (distinct). ARGV: maxlen, off. Returns how many existed. */
export const DELETE_MANY_SCRIPT: string = `${WRITE}
local off = tonumber(ARGV[2])
local n = 0
for i = 3, #KEYS do n = n + del(KEYS[i], off, KEYS[1]) end
log(KEYS[2], ARGV[1])
return n`;

/**
 * KEYS: index, log, expiry, then the data keys of the checks, the sets and the deletes.
 * ARGV: checks, sets, deletes, maxlen, off, one expected version per check ('' = absent), then
 * payload and ttl per set. Returns the 1-based indexes of the failed checks (empty: applied).
 */
export const COMMIT_SCRIPT: string = `${WRITE}
local nc, ns, nd = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local maxlen, off = ARGV[4], tonumber(ARGV[5])
local failed = {}
for i = 1, nc do
  if redis.call('GETRANGE', KEYS[3 + i], 1, 16) ~= ARGV[5 + i] then failed[#failed + 1] = i end
end
if #failed > 0 then return failed end
local a = 5 + nc
for i = 1, ns do
  put(KEYS[3 + nc + i], ARGV[a + 2 * i - 1], ARGV[a + 2 * i], off, KEYS[1], KEYS[3])
end
for i = 1, nd do del(KEYS[3 + nc + ns + i], off, KEYS[1]) end
log(KEYS[2], maxlen)
return {}`;

/**
 * One page of a listing. KEYS: index. ARGV: min, max (ZRANGEBYLEX bounds, swapped by the
 * script for reverse), count, reverse ('1' or ''), data key prefix. Returns the last member
 * examined ('' when the range has no more: fewer than count were left), then the examined
 * members whose value still exists. Members whose value expired are removed from the index
 * on the way.
 */
export const LIST_PAGE_SCRIPT: string = `
local r
if ARGV[4] == '1' then
  r = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[2], ARGV[1], 'LIMIT', 0, ARGV[3])
else
  r = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, ARGV[3])
end
local out = { #r == tonumber(ARGV[3]) and r[#r] or '' }
for i = 1, #r do
  if redis.call('EXISTS', ARGV[5] .. r[i]) == 1 then
    out[#out + 1] = r[i]
  else
    redis.call('ZREM', KEYS[1], r[i])
  end
end
return out`;

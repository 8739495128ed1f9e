/**
 * The server-side scripts. Each write script changes the data, the sorted index and the change
 * log together, so readers and watchers never see one without the other. Data reaches the
 * scripts only through KEYS and ARGV; no Lua source is ever built from input.
 *
 * Conventions: a payload's bytes 2–17 are its version; `off` is the 1-based offset of the index
 * member inside a data key; an empty TTL argument means no expiry (and clears any old one).
 */

const WRITE = `
local function put(k, p, ttl, off, idx, log, maxlen)
  if ttl == '' then redis.call('SET', k, p) else redis.call('SET', k, p, 'PX', ttl) end
  local m = string.sub(k, off)
  redis.call('ZADD', idx, 0, m)
  redis.call('XADD', log, 'MAXLEN', '~', maxlen, '*', 's', m, 'v', string.sub(p, 2, 17))
end
local function del(k, off, idx, log, maxlen)
  local m = string.sub(k, off)
  local existed = redis.call('DEL', k)
  redis.call('ZREM', idx, m)
  if existed == 1 then redis.call('XADD', log, 'MAXLEN', '~', maxlen, '*', 'd', m) end
  return existed
end
`;

/** KEYS: data, index, log. ARGV: payload, ttl, maxlen, off. */
export const SET_SCRIPT: string = `${WRITE}
put(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[4]), KEYS[2], KEYS[3], ARGV[3])
return 1`;

/** KEYS: data, index, log. ARGV: maxlen, off. Returns 1 when the key existed. */
export const DELETE_SCRIPT: string = `${WRITE}
return del(KEYS[1], tonumber(ARGV[2]), KEYS[2], KEYS[3], ARGV[1])`;

/**
 * KEYS: data, index, log. ARGV: expected version bytes ('' = must be absent), payload, ttl,
 * maxlen, off. Returns 1 when written, 0 on a conflict (nothing written).
 */
export const CAS_SCRIPT: string = `${WRITE}
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if cur then return 0 end
elseif (not cur) or string.sub(cur, 2, 17) ~= ARGV[1] then
  return 0
end
put(KEYS[1], ARGV[2], ARGV[3], tonumber(ARGV[5]), KEYS[2], KEYS[3], ARGV[4])
return 1`;

/** KEYS: index, log, data keys. ARGV: maxlen, off, ttl, one payload per data key. */
export const SET_MANY_SCRIPT: string = `${WRITE}
local off = tonumber(ARGV[2])
for i = 3, #KEYS do put(KEYS[i], ARGV[i + 1], ARGV[3], off, KEYS[1], KEYS[2], ARGV[1]) end
return 1`;

/** KEYS: index, log, data keys (distinct). ARGV: maxlen, off. Returns how many existed. */
export const DELETE_MANY_SCRIPT: string = `${WRITE}
local off = tonumber(ARGV[2])
local n = 0
for i = 3, #KEYS do n = n + del(KEYS[i], off, KEYS[1], KEYS[2], ARGV[1]) end
return n`;

/**
 * KEYS: index, log, then the data keys of the checks, the sets and the deletes.
 * ARGV: checks, sets, deletes, maxlen, off, one expected version per check ('' = absent), then
 * payload and ttl per set. Returns the 1-based indexes of the failed checks (empty: applied).
 */
export const COMMIT_SCRIPT: string = `${WRITE}
local nc, ns, nd = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local maxlen, off = ARGV[4], tonumber(ARGV[5])
local failed = {}
for i = 1, nc do
  local cur = redis.call('GET', KEYS[2 + i])
  local exp = ARGV[5 + i]
  local ok
  if exp == '' then ok = not cur else ok = cur and string.sub(cur, 2, 17) == exp end
  if not ok then failed[#failed + 1] = i end
end
if #failed > 0 then return failed end
local a = 5 + nc
for i = 1, ns do
  put(KEYS[2 + nc + i], ARGV[a + 2 * i - 1], ARGV[a + 2 * i], off, KEYS[1], KEYS[2], maxlen)
end
for i = 1, nd do del(KEYS[2 + nc + ns + i], off, KEYS[1], KEYS[2], maxlen) end
return {}`;

/**
 * One page of a listing. KEYS: index. ARGV: min, max (ZRANGEBYLEX bounds, swapped by the
 * script for reverse), count, reverse ('1' or ''), data key prefix. Returns the last member
 * examined ('' when the range has no more: fewer than count were left), then the examined
 * members whose value still exists. Members whose
 * value expired are removed from the index on the way.
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

/**
 * The server-side scripts of store mode `plain`, where values are the only keys: no index, no
 * change log. Only what one native command cannot do atomically is a script: compare-and-set,
 * commit, and a batch of sets with a TTL. Data reaches the scripts only through KEYS and ARGV;
 * no Lua source is ever built from input.
 *
 * Conventions as in `lua-scripts.ts`: a payload's bytes 2–17 are its version; an empty TTL
 * argument means no expiry (and clears any old one).
 */

/**
 * KEYS: data. ARGV: expected version bytes ('' = must be absent), payload, ttl. Returns 1 when
 * written, 0 on a conflict (nothing written). GETRANGE gives '' for a missing key, which is
 * exactly the "absent" expectation.
 */
export const PLAIN_CAS_SCRIPT: string = `
if redis.call('GETRANGE', KEYS[1], 1, 16) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1`;

/** KEYS: data keys (distinct). ARGV: ttl, then one payload per key. */
export const PLAIN_SET_MANY_WITH_TTL_SCRIPT: string = `
for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[1]) end
return 1`;

/**
 * KEYS: the data keys of the checks, the sets and the deletes. ARGV: checks, sets, then one
 * expected version per check ('' = absent), then payload and ttl per set. Returns the 1-based
 * indexes of the failed checks (empty: applied).
 */
export const PLAIN_COMMIT_SCRIPT: string = `
local nc, ns = tonumber(ARGV[1]), tonumber(ARGV[2])
local failed = {}
for i = 1, nc do
  if redis.call('GETRANGE', KEYS[i], 1, 16) ~= ARGV[2 + i] then failed[#failed + 1] = i end
end
if #failed > 0 then return failed end
local a = 2 + nc
for i = 1, ns do
  local k, p, ttl = KEYS[nc + i], ARGV[a + 2 * i - 1], ARGV[a + 2 * i]
  if ttl == '' then redis.call('SET', k, p) else redis.call('SET', k, p, 'PX', ttl) end
end
for i = nc + ns + 1, #KEYS do redis.call('DEL', KEYS[i]) end
return {}`;

/**
 * One SCAN step, run on the node that holds the store's slot (KEYS[1] is any key with the
 * store's hash tag; on Cluster, that is how the call is routed). ARGV: cursor, MATCH pattern,
 * COUNT. Returns the next cursor and the matching key names, as SCAN does.
 */
export const SCAN_PAGE_SCRIPT: string = `
return redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])`;

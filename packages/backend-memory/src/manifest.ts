import type { Manifest } from "@kvkit/spec";

/**
 * What every {@link MemoryBackend} declares: every capability, ordered listing, atomic
 * batches, in-process watches that resume from a cursor, and millisecond expiry.
 *
 * The limits are policy, not necessity (a `Map` holds larger keys and values): they keep
 * the memory backend a faithful stand-in for real stores in tests, and bound the work one
 * call can do.
 */
export const manifest: Manifest = Object.freeze({
  capabilities: Object.freeze({
    batch: true,
    health: true,
    watch: true,
    atomicWrite: true,
    ttl: true,
  }),
  limits: Object.freeze({
    maxKeyBytes: 4096,
    maxValueBytes: 16 * 1024 * 1024,
    maxBatchSize: 10_000,
  }),
  orderedList: true,
  durability: "none",
  sharedStore: true,
  atomicBatch: true,
  watchReach: "in-process",
  watchResumable: true,
  ttlResolutionMs: 1,
  healthTimeoutMs: 100,
});

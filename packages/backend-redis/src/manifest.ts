import type { Manifest } from "@kvkit/spec";

/**
 * What every {@link RedisBackend} declares: every capability, listing in byte order from a
 * sorted index, all-or-nothing batches (one script each), cross-process watches that resume
 * from a cursor (a Stream change log), and expiry by the server's clock.
 *
 * Durability is `process`: an acknowledged write reached the server, which survives a crash of
 * the writer. Whether it survives a crash of the server depends on the server's persistence
 * settings, which the backend cannot see, so it claims no more.
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
    maxKeyBytes: 1024,
    maxValueBytes: 1024 * 1024,
    maxBatchSize: 1000,
  }),
  orderedList: true,
  durability: "process",
  sharedStore: true,
  atomicBatch: true,
  watchReach: "cross-process",
  watchResumable: true,
  ttlResolutionMs: 10,
  healthTimeoutMs: 1000,
});

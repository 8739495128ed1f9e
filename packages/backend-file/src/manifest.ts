import type { Durability, Manifest } from "@kvkit/spec";

/**
 * What a {@link FileBackend} declares with the given durability: every capability, ordered
 * listing, atomic batches, a store shared by every process that opens the directory, and
 * watches that see writes from other processes (they follow the shared log).
 *
 * The value limit keeps one record (a batch of `maxBatchSize` values) well inside the log's
 * 31-bit record length.
 */
export function manifestFor(durability: Durability): Manifest {
  return Object.freeze({
    capabilities: Object.freeze({
      batch: true,
      health: true,
      watch: true,
      atomicWrite: true,
      ttl: true,
    }),
    limits: Object.freeze({
      maxKeyBytes: 4096,
      maxValueBytes: 1024 * 1024,
      maxBatchSize: 1000,
    }),
    orderedList: true,
    durability,
    sharedStore: true,
    atomicBatch: true,
    watchReach: "cross-process",
    watchResumable: false,
    ttlResolutionMs: 1,
    healthTimeoutMs: 1000,
  });
}

/** The manifest of a backend opened with default options (`durability: "power"`). */
export const manifest: Manifest = manifestFor("power");

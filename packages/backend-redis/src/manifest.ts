import type { Manifest } from "@kvkit/spec";
import type { StoreMode } from "./redis-backend-options.ts";

/**
 * What a {@link RedisBackend} declares in each store mode.
 *
 * `indexed` (the default): every capability, listing in byte order from a sorted index,
 * all-or-nothing batches (one script each), cross-process watches that resume from a cursor (a
 * Stream change log), and expiry by the server's clock.
 *
 * `plain`: the same except `watch` (there is no change log) and ordered listing (keys are found
 * with `SCAN`, in the server's order); in exchange every get, set, delete and batch is one
 * native command.
 *
 * Durability is `process`: an acknowledged write reached the server, which survives a crash of
 * the writer. Whether it survives a crash of the server depends on the server's persistence
 * settings, which the backend cannot see, so it claims no more.
 */
export function manifestFor(mode: StoreMode): Manifest {
  const indexed = mode === "indexed";
  return Object.freeze({
    capabilities: Object.freeze({
      batch: true,
      health: true,
      watch: indexed,
      atomicWrite: true,
      ttl: true,
    }),
    limits: Object.freeze({
      maxKeyBytes: 1024,
      maxValueBytes: 1024 * 1024,
      maxBatchSize: 1000,
    }),
    orderedList: indexed,
    durability: "process",
    sharedStore: true,
    atomicBatch: true,
    // Ignored without `watch` (plain mode), like every field of an undeclared capability.
    watchReach: "cross-process",
    watchResumable: indexed,
    ttlResolutionMs: 10,
    healthTimeoutMs: 1000,
  } satisfies Manifest);
}

/** The manifest of a backend opened with default options (`mode: "indexed"`). */
export const manifest: Manifest = manifestFor("indexed");

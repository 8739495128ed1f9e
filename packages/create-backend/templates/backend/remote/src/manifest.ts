import type { Manifest } from "@kvkit/spec";

/** What the backend declares; the conformance suite holds it to every line. */
export const manifest: Manifest = {
  capabilities: {},
  limits: { maxKeyBytes: 1024, maxValueBytes: 1024 * 1024, maxBatchSize: 1000 },
  orderedList: true,
  durability: "process",
  sharedStore: true,
  atomicBatch: false,
  watchReach: "cross-process",
  watchResumable: false,
  ttlResolutionMs: 1000,
  healthTimeoutMs: 2000,
};

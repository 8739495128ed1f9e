import {
  type MemoryBackend,
  type MemoryBackendOptions,
  MemoryStore,
  manifest as memoryManifest,
} from "@kvkit/backend-memory";
import type { Backend, Manifest } from "@kvkit/spec";
import { runConformanceSuite } from "../../src/index.ts";

/** What a variant's backend is opened with: always a named store, so instances can share it. */
export interface VariantOptions extends MemoryBackendOptions {
  readonly store: string;
  readonly prefix: string;
}

/** How a variant's suite runs. */
export interface RunVariantOptions {
  /** What the variant declares. Default: the memory backend's manifest. */
  readonly manifest?: Manifest | undefined;
  /**
   * Re-run the suite under a namespace. Default false: a broken variant has to be caught by
   * the plain run; only the namespace variant and the unbroken backend need the re-run.
   */
  readonly namespace?: boolean | undefined;
  /**
   * Per-test timeout. Default 1.5 s, which makes a missing watch event fail after 300 ms: the
   * memory backend delivers in microseconds, and broken variants should not cost seconds each.
   */
  readonly timeoutMs?: number | undefined;
}

/**
 * Registers the whole conformance suite for one variant of the memory backend, as a plugin's
 * conformance test would, with fewer property runs to keep the self-test fast.
 */
export function runVariant(
  name: string,
  create: (options: VariantOptions) => MemoryBackend | Backend,
  options: RunVariantOptions = {},
): void {
  runConformanceSuite({
    name,
    manifest: options.manifest ?? memoryManifest,
    namespace: options.namespace ?? false,
    timeoutMs: options.timeoutMs ?? 1_500,
    create: ({ storeId, prefix, clock }) =>
      create({ store: storeId, prefix, ...(clock === undefined ? {} : { clock: clock.now }) }),
    destroy: (storeId) => {
      MemoryStore.forget(storeId);
    },
    controllableClock: true,
    propertyRuns: 10,
  });
}

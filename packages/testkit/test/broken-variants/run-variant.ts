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

/**
 * Registers the whole conformance suite for one variant of the memory backend, as a plugin's
 * conformance test would, with fewer property runs to keep the self-test fast.
 */
export function runVariant(
  name: string,
  create: (options: VariantOptions) => MemoryBackend | Backend,
  manifest: Manifest = memoryManifest,
): void {
  runConformanceSuite({
    name,
    manifest,
    create: ({ storeId, prefix, clock }) =>
      create({ store: storeId, prefix, ...(clock === undefined ? {} : { clock: clock.now }) }),
    destroy: (storeId) => {
      MemoryStore.forget(storeId);
    },
    controllableClock: true,
    propertyRuns: 10,
  });
}

/** The store a variant instance was opened on (for variants that break the engine's rules). */
export function storeOf(options: VariantOptions): MemoryStore {
  return MemoryStore.named(options.store);
}

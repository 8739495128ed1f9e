// Two kv-only backends (every optional capability undeclared) built on the memory backend:
// one conforming, one whose delete() always resolves true. The reporter test reads the
// report of this run.
import { MemoryBackend, MemoryStore, manifest as memoryManifest } from "@kvkit/backend-memory";
import { type Backend, type Manifest, NotSupportedError } from "@kvkit/spec";
import { runConformanceSuite } from "../../src/index.ts";

const manifest: Manifest = {
  ...memoryManifest,
  capabilities: { batch: false, health: false, watch: false, atomicWrite: false, ttl: false },
};

function kvOnly(inner: MemoryBackend, deleteAlwaysTrue: boolean): Backend {
  return {
    manifest,
    get: (key, options) => inner.get(key, options),
    set: async (key, value, options) => {
      if (options?.ttlMs !== undefined) throw new NotSupportedError("ttl");
      return inner.set(key, value, options);
    },
    delete: async (key, options) => {
      const existed = await inner.delete(key, options);
      return deleteAlwaysTrue || existed;
    },
    has: (key, options) => inner.has(key, options),
    list: (options) => inner.list(options),
    close: () => inner.close(),
    [Symbol.asyncDispose]: () => inner.close(),
  };
}

for (const [name, broken] of [
  ["kv-only", false],
  ["kv-only-delete-always-true", true],
] as const) {
  runConformanceSuite({
    name,
    manifest,
    create: ({ storeId, prefix }) => kvOnly(new MemoryBackend({ store: storeId, prefix }), broken),
    destroy: (storeId) => {
      MemoryStore.forget(storeId);
    },
    propertyRuns: 5,
    // The namespace re-run only for the conforming one, to keep this self-test short.
    namespace: !broken,
  });
}

import { describe } from "vitest";
import { atomicWriteCases } from "./cases/atomic-write-cases.ts";
import { batchCases } from "./cases/batch-cases.ts";
import { concurrencyCases } from "./cases/concurrency-cases.ts";
import { healthCases } from "./cases/health-cases.ts";
import { hostileInputCases } from "./cases/hostile-input-cases.ts";
import { kvCases } from "./cases/kv-cases.ts";
import { lifecycleCases } from "./cases/lifecycle-cases.ts";
import { listCases } from "./cases/list-cases.ts";
import { manifestCases } from "./cases/manifest-cases.ts";
import { modelCases } from "./cases/model-cases.ts";
import { refusalCases } from "./cases/refusal-cases.ts";
import { ttlCases } from "./cases/ttl-cases.ts";
import { watchCases } from "./cases/watch-cases.ts";
import { CONFORMANCE_META_KEY, type ConformanceMeta } from "./conformance-meta.ts";
import type { ConformanceOptions } from "./conformance-options.ts";
import { SuiteContext } from "./suite-context.ts";

/**
 * Registers the whole conformance suite for one backend with the calling Vitest file.
 *
 * Every declared capability's cases run; every undeclared capability is checked to be refused
 * with `KVKIT_NOT_SUPPORTED`. Test names read `<name> › <group> › <method>() <outcome>`, which
 * the conformance reporter (`@kvkit/testkit/reporter`) turns into a per-capability table.
 *
 * @example
 * ```ts
 * // test/conformance.test.ts
 * import { runConformanceSuite } from "@kvkit/testkit";
 * import { MemoryBackend, manifest } from "../src/index.ts";
 *
 * runConformanceSuite({
 *   name: "backend-memory",
 *   manifest,
 *   create: ({ storeId, prefix, clock }) => new MemoryBackend({ store: storeId, prefix, clock: clock?.now }),
 * });
 * ```
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  const { manifest } = options;
  const tag: ConformanceMeta = {
    name: options.name,
    capabilities: { ...manifest.capabilities },
    orderedList: manifest.orderedList,
    atomicBatch: manifest.atomicBatch,
  };
  // Read back by the conformance reporter to find the backend's groups.
  const meta: Record<string, unknown> = { [CONFORMANCE_META_KEY]: tag };
  describe(options.name, { meta }, () => {
    registerGroups(new SuiteContext(options, ""));
    const namespace = options.namespace ?? options.manifest.sharedStore;
    describe.skipIf(!namespace)("namespace", () => {
      registerGroups(new SuiteContext(options, "ns/"));
    });
  });
}

function registerGroups(suite: SuiteContext): void {
  const declared = suite.manifest.capabilities;
  describe("manifest", () => manifestCases(suite));
  describe("kv", () => kvCases(suite));
  describe("list", () => listCases(suite));
  describe("hostile input", () => hostileInputCases(suite));
  describe("lifecycle", () => lifecycleCases(suite));
  describe("model", () => modelCases(suite));
  describe("refusal", () => refusalCases(suite));
  describe.skipIf(!declared.batch)("batch", () => batchCases(suite));
  describe.skipIf(!declared.health)("health", () => healthCases(suite));
  describe.skipIf(!declared.watch)("watch", () => watchCases(suite));
  describe.skipIf(!declared.atomicWrite)("atomicWrite", () => atomicWriteCases(suite));
  describe.skipIf(!declared.ttl)("ttl", () => ttlCases(suite));
  describe("concurrency", () => concurrencyCases(suite));
}

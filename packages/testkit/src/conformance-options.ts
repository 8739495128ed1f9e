import type { Backend, Manifest } from "@kvkit/spec";
import type { ManualClock } from "./manual-clock.ts";

/** What the suite passes to {@link ConformanceOptions.create}. */
export interface CreateContext {
  /**
   * Names the store to open. Calls with the same `storeId` must open the same underlying
   * store (the same directory, server database, or shared in-memory map); the suite uses
   * a fresh id per test, and the same id to open several instances when the manifest declares
   * `sharedStore`.
   */
  readonly storeId: string;
  /**
   * A namespace the backend must apply to every key: `""` normally, a non-empty prefix when
   * the suite re-runs under a namespace. Keys the backend reports never include it.
   */
  readonly prefix: string;
  /**
   * A clock the test controls, when `ConformanceOptions.controllableClock` is true; the
   * backend must read time (for TTL) from `clock.now()`. `undefined` otherwise.
   */
  readonly clock: ManualClock | undefined;
}

/** Options of {@link runConformanceSuite}. */
export interface ConformanceOptions {
  /** The name the report and test names start with, such as `"backend-memory"`. */
  readonly name: string;
  /** What the backend declares; the suite checks that every instance exposes exactly this. */
  readonly manifest: Manifest;
  /** Opens a backend on the store named by `context.storeId`. Must do no I/O beyond opening. */
  create(context: CreateContext): Backend | Promise<Backend>;
  /**
   * Removes everything a store left behind (a temporary directory, server keys), after the
   * test that used it. Optional.
   */
  destroy?(storeId: string): void | Promise<void>;
  /** The backend reads time from `context.clock`, so TTL cases advance time instead of waiting. */
  readonly controllableClock?: boolean | undefined;
  /**
   * Re-run the whole suite under a namespace prefix and check that no key outside it is
   * touched. Needs `manifest.sharedStore` (an un-namespaced instance on the same store watches
   * the keys outside). Default: `manifest.sharedStore`.
   */
  readonly namespace?: boolean | undefined;
  /** Runs of each fast-check property (model-based and hostile-input cases). Default 50. */
  readonly propertyRuns?: number | undefined;
  /** Per-test timeout in milliseconds for slow stores. Default 10 000. */
  readonly timeoutMs?: number | undefined;
}

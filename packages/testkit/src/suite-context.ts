import { randomUUID } from "node:crypto";
import type { Backend, Manifest } from "@kvkit/spec";
import { expect, onTestFinished } from "vitest";
import { collect } from "./collect.ts";
import type { ConformanceOptions, CreateContext } from "./conformance-options.ts";
import { ManualClock } from "./manual-clock.ts";

/** Keys written outside the namespace in the namespace re-run; they must survive every test. */
const SENTINEL_KEYS = ["ns", "ns.", "ns0", "ns\u0000", "nr/z", "nt", "NS/a", "a", "zzz"];

/** A store opened for one test. */
export interface OpenedStore {
  /** The first instance on the store. */
  readonly backend: Backend;
  /** The clock the store's instances read, when the backend takes a controllable clock. */
  readonly clock: ManualClock | undefined;
  /** Opens another instance on the same store (same namespace); closed after the test. */
  openAnother(): Promise<Backend>;
  /**
   * Lets `ms` milliseconds pass for the store: advances the controllable clock when there is
   * one, and sleeps otherwise.
   */
  elapse(ms: number): Promise<void>;
}

/** Parameters of `fc.assert` for the suite's properties, see {@link SuiteContext.propertyParameters}. */
export interface PropertyParameters {
  readonly numRuns: number;
  readonly seed?: number;
  readonly path?: string;
}

/**
 * What every case file receives: the options, the namespace of this run, and `open()`, which
 * gives each test a fresh store and cleans it up when the test ends.
 */
export class SuiteContext {
  readonly options: ConformanceOptions;
  /** `""`, or the namespace of the re-run. */
  readonly prefix: string;
  readonly manifest: Manifest;
  /** Per-test timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Runs per fast-check property. */
  readonly propertyRuns: number;

  constructor(options: ConformanceOptions, prefix: string) {
    this.options = options;
    this.prefix = prefix;
    this.manifest = options.manifest;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.propertyRuns = options.propertyRuns ?? 50;
  }

  /**
   * Opens a backend on a new store for the running test. Every instance opened on it is
   * closed, the namespace sentinels are checked, and the store destroyed when the test ends.
   */
  async open(): Promise<OpenedStore> {
    const storeId = `${this.options.name}-${randomUUID()}`;
    const clock = this.options.controllableClock ? new ManualClock() : undefined;
    const opened: Backend[] = [];
    const create = async (prefix: string): Promise<Backend> => {
      const context: CreateContext = { storeId, prefix, clock };
      const backend = await this.options.create(context);
      opened.push(backend);
      return backend;
    };
    const sentinels = this.prefix === "" ? undefined : await this.#writeSentinels(create);
    onTestFinished(async () => {
      try {
        if (sentinels !== undefined) await this.#checkSentinels(sentinels, await create(""));
      } finally {
        await Promise.allSettled(opened.map((backend) => backend.close()));
        await this.options.destroy?.(storeId);
      }
    });
    const backend = await create(this.prefix);
    const elapse = async (ms: number): Promise<void> => {
      if (clock !== undefined) clock.advance(ms);
      else await new Promise((resolve) => setTimeout(resolve, ms));
    };
    return { backend, clock, openAnother: () => create(this.prefix), elapse };
  }

  /**
   * Parameters for `fc.assert`: {@link propertyRuns} runs, or the replay of one failure when
   * the environment sets `KVKIT_TESTKIT_SEED` (and optionally `KVKIT_TESTKIT_PATH`), as
   * printed by a failing property.
   */
  propertyParameters(): PropertyParameters {
    const seed = process.env.KVKIT_TESTKIT_SEED;
    const path = process.env.KVKIT_TESTKIT_PATH;
    const base = { numRuns: this.propertyRuns };
    if (seed === undefined || seed === "") return base;
    const parsed = Number(seed);
    if (!Number.isInteger(parsed)) {
      throw new TypeError(`KVKIT_TESTKIT_SEED must be an integer, not ${JSON.stringify(seed)}`);
    }
    return path === undefined || path === ""
      ? { ...base, seed: parsed }
      : { ...base, seed: parsed, path };
  }

  async #writeSentinels(
    create: (prefix: string) => Promise<Backend>,
  ): Promise<Map<string, Uint8Array>> {
    const outside = await create("");
    const sentinels = new Map<string, Uint8Array>();
    for (const [index, key] of SENTINEL_KEYS.entries()) {
      const value = new Uint8Array([index, 0xff - index, 0]);
      await outside.set(key, value);
      sentinels.set(key, value);
    }
    await outside.close();
    return sentinels;
  }

  async #checkSentinels(sentinels: Map<string, Uint8Array>, outside: Backend): Promise<void> {
    const outsideKeys = (await collect(outside.list()))
      .map((entry) => entry.key)
      .filter((key) => !key.startsWith(this.prefix));
    expect(outsideKeys.sort(), "keys outside the namespace changed").toEqual(
      [...sentinels.keys()].sort(),
    );
    for (const [key, value] of sentinels) {
      expect(
        await outside.get(key),
        `value of ${JSON.stringify(key)} outside the namespace`,
      ).toEqual(value);
    }
  }
}

// set() keeps the caller's buffer instead of a copy: mutating it afterwards changes what
// reads return, until the key is written by another method or deleted.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { OperationOptions, VersionedValue, WriteOptions } from "@kvkit/spec";
import { runVariant, type VariantOptions } from "./run-variant.ts";

/** The caller's buffer of the last set() of each full key, with its version; shared per store. */
const keptByStore = new Map<string, Map<string, { buffer: Uint8Array; version: string }>>();

class SetKeepsCallerBuffer extends MemoryBackend {
  readonly #kept: Map<string, { buffer: Uint8Array; version: string }>;
  readonly #prefix: string;

  constructor(options: VariantOptions) {
    super(options);
    this.#prefix = options.prefix;
    let kept = keptByStore.get(options.store);
    if (kept === undefined) {
      kept = new Map();
      keptByStore.set(options.store, kept);
    }
    this.#kept = kept;
  }

  override async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    await super.set(key, value, options);
    const current = await super.getVersioned(key);
    if (current !== undefined) {
      this.#kept.set(this.#prefix + key, { buffer: value, version: current.version });
    }
  }

  /** What the store "holds": the caller's buffer while no other write replaced it. */
  async #held(key: string, options?: OperationOptions): Promise<VersionedValue | undefined> {
    const current = await super.getVersioned(key, options);
    if (current === undefined) return undefined;
    const kept = this.#kept.get(this.#prefix + key);
    if (kept === undefined || kept.version !== current.version) return current;
    return { value: new Uint8Array(kept.buffer), version: current.version };
  }

  override async get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    await super.get(key, options);
    return (await this.#held(key, options))?.value;
  }

  override async getVersioned(
    key: string,
    options?: OperationOptions,
  ): Promise<VersionedValue | undefined> {
    await super.get(key, options);
    return this.#held(key, options);
  }

  override async getMany(
    keys: readonly string[],
    options?: OperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    const values = await super.getMany(keys, options);
    return Promise.all(
      values.map(async (value, i) =>
        value === undefined ? undefined : (await this.#held(keys[i] as string))?.value,
      ),
    );
  }
}

runVariant("set-keeps-caller-buffer", (options) => new SetKeepsCallerBuffer(options));

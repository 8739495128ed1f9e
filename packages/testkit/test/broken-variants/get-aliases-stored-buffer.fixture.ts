// get() hands out the stored buffer itself: the same object on every read until the key is
// written again, so a caller mutating it changes what later reads return.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { OperationOptions } from "@kvkit/spec";
import { runVariant, type VariantOptions } from "./run-variant.ts";

/** The buffer "stored" for each full key, with the version it belongs to; shared per store. */
const storedByStore = new Map<string, Map<string, { buffer: Uint8Array; version: string }>>();

class GetAliasesStoredBuffer extends MemoryBackend {
  readonly #stored: Map<string, { buffer: Uint8Array; version: string }>;
  readonly #prefix: string;

  constructor(options: VariantOptions) {
    super(options);
    this.#prefix = options.prefix;
    let stored = storedByStore.get(options.store);
    if (stored === undefined) {
      stored = new Map();
      storedByStore.set(options.store, stored);
    }
    this.#stored = stored;
  }

  override async get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    const current = await super.getVersioned(key, options);
    if (current === undefined) return undefined;
    const held = this.#stored.get(this.#prefix + key);
    if (held !== undefined && held.version === current.version) return held.buffer;
    this.#stored.set(this.#prefix + key, { buffer: current.value, version: current.version });
    return current.value;
  }
}

runVariant("get-aliases-stored-buffer", (options) => new GetAliasesStoredBuffer(options));

// compareAndSet(key, null, …) writes even when the key exists: "must be absent" is not checked.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { Version, WriteOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class CasNullOverwrites extends MemoryBackend {
  override async compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    if (expected !== null) return super.compareAndSet(key, expected, value, options);
    await this.set(key, value, options);
    return (await this.getVersioned(key))?.version as Version;
  }
}

runVariant("cas-null-overwrites", (options) => new CasNullOverwrites(options));

// compareAndSet() writes whatever version it is given: the check is missing.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { Version, WriteOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class CasWithoutCheck extends MemoryBackend {
  override async compareAndSet(
    key: string,
    _expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    await this.set(key, value, options);
    return (await this.getVersioned(key))?.version as Version;
  }
}

runVariant("cas-without-check", (options) => new CasWithoutCheck(options));

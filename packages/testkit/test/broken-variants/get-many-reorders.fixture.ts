// getMany() answers in key order instead of input order (as an SQL `IN (…)` query would).
import { MemoryBackend } from "@kvkit/backend-memory";
import { compareKeys, type OperationOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class GetManyReorders extends MemoryBackend {
  override getMany(
    keys: readonly string[],
    options?: OperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    if (!Array.isArray(keys)) return super.getMany(keys, options);
    return super.getMany([...keys].sort(compareKeys), options);
  }
}

runVariant("get-many-reorders", (options) => new GetManyReorders(options));

// get() returns a Node.js Buffer (a Uint8Array subclass) instead of a plain Uint8Array.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { OperationOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class GetReturnsBuffer extends MemoryBackend {
  override async get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    const value = await super.get(key, options);
    return value === undefined ? undefined : Buffer.from(value);
  }
}

runVariant("get-returns-buffer", (options) => new GetReturnsBuffer(options));

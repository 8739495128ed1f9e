// set() and delete() apply the write at once, then wait for a reply that takes a few
// milliseconds, and reject with KVKIT_ABORTED when the signal fires meanwhile: the write a
// client library raced against its signal, reported as not done although it was.
import { MemoryBackend } from "@kvkit/backend-memory";
import { AbortedError, type OperationOptions, type WriteOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

async function replyRacingSignal(signal: AbortSignal | undefined): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 2));
  if (signal?.aborted) throw new AbortedError(signal.reason);
}

class AbortAfterApply extends MemoryBackend {
  override async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    await super.set(key, value, options);
    await replyRacingSignal(options?.signal);
  }
  override async delete(key: string, options?: OperationOptions): Promise<boolean> {
    const existed = await super.delete(key, options);
    await replyRacingSignal(options?.signal);
    return existed;
  }
}

runVariant("abort-after-apply", (options) => new AbortAfterApply(options));

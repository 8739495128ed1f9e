// Conflicts are reported without naming the keys whose checks failed.
import { MemoryBackend } from "@kvkit/backend-memory";
import {
  type AtomicCommit,
  type CommitResult,
  ConflictError,
  isBackendError,
  type OperationOptions,
  type Version,
  type WriteOptions,
} from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

async function withoutKeys<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isBackendError(error, "KVKIT_CONFLICT")) throw new ConflictError([]);
    throw error;
  }
}

class ConflictWithoutKeys extends MemoryBackend {
  override compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    return withoutKeys(() => super.compareAndSet(key, expected, value, options));
  }

  override commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    return withoutKeys(() => super.commit(operations, options));
  }
}

runVariant("conflict-without-keys", (options) => new ConflictWithoutKeys(options));

// The manifest declares a 1 MiB value limit, which set() and setMany() enforce, but
// compareAndSet() and commit() check values only against the engine's own 16 MiB: they store
// values the manifest says no backend instance accepts.
import { MemoryBackend, manifest } from "@kvkit/backend-memory";
import { type BatchEntry, type Manifest, TooLargeError, type WriteOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

const maxValueBytes = 1024 * 1024;
const smallerManifest: Manifest = { ...manifest, limits: { ...manifest.limits, maxValueBytes } };

function assertDeclaredLimit(value: unknown): void {
  if (value instanceof Uint8Array && value.byteLength > maxValueBytes) {
    throw new TooLargeError("value", value.byteLength, maxValueBytes);
  }
}

class AtomicWriteOverValueLimit extends MemoryBackend {
  override readonly manifest: Manifest = smallerManifest;

  override async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    assertDeclaredLimit(value);
    return super.set(key, value, options);
  }

  override async setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    if (Array.isArray(entries)) {
      for (const entry of entries as readonly BatchEntry[]) assertDeclaredLimit(entry?.value);
    }
    return super.setMany(entries, options);
  }
}

runVariant("atomic-write-over-value-limit", (options) => new AtomicWriteOverValueLimit(options), {
  manifest: smallerManifest,
});

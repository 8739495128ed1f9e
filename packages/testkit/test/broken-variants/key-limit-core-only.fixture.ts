// The manifest declares 1 KiB keys, which get(), set(), delete() and has() enforce, but the
// batch, atomic-write, ttl and watch methods check keys only against the engine's own 4 KiB:
// they read, write and watch keys the manifest says no backend instance accepts.
import { MemoryBackend, manifest } from "@kvkit/backend-memory";
import {
  type Manifest,
  type OperationOptions,
  TooLargeError,
  type WriteOptions,
} from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

const maxKeyBytes = 1024;
const smallerManifest: Manifest = { ...manifest, limits: { ...manifest.limits, maxKeyBytes } };

function assertDeclaredLimit(key: unknown): void {
  const size = typeof key === "string" ? Buffer.byteLength(key) : 0;
  if (size > maxKeyBytes) throw new TooLargeError("key", size, maxKeyBytes);
}

class KeyLimitCoreOnly extends MemoryBackend {
  override readonly manifest: Manifest = smallerManifest;

  override async get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    assertDeclaredLimit(key);
    return super.get(key, options);
  }

  override async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    assertDeclaredLimit(key);
    return super.set(key, value, options);
  }

  override async delete(key: string, options?: OperationOptions): Promise<boolean> {
    assertDeclaredLimit(key);
    return super.delete(key, options);
  }

  override async has(key: string, options?: OperationOptions): Promise<boolean> {
    assertDeclaredLimit(key);
    return super.has(key, options);
  }
}

runVariant("key-limit-core-only", (options) => new KeyLimitCoreOnly(options), {
  manifest: smallerManifest,
});

// The manifest does not declare watchResumable, but watch({ cursor }) succeeds: the cursor is
// ignored and the stream starts from now, so every write since the cursor is silently lost
// instead of the call rejecting with KVKIT_NOT_SUPPORTED.
import { MemoryBackend, manifest } from "@kvkit/backend-memory";
import type { Manifest, WatchOptions, WatchStream } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

const notResumableManifest: Manifest = { ...manifest, watchResumable: false };

class WatchCursorIgnored extends MemoryBackend {
  override readonly manifest: Manifest = notResumableManifest;

  override watch(options?: WatchOptions): Promise<WatchStream> {
    return super.watch(options === undefined ? options : { ...options, cursor: undefined });
  }
}

runVariant("watch-cursor-ignored", (options) => new WatchCursorIgnored(options), {
  manifest: notResumableManifest,
});

// The manifest does not declare ttl, but writes with ttlMs succeed (the option is ignored)
// instead of rejecting with KVKIT_NOT_SUPPORTED. expiresAt() is correctly refused.
import { type MemoryBackendOptions, manifest } from "@kvkit/backend-memory";
import { type Manifest, NotSupportedError } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";
import { TtlDroppingBackend } from "./ttl-dropping-backend.ts";

const withoutTtlManifest: Manifest = {
  ...manifest,
  capabilities: { ...manifest.capabilities, ttl: false },
};

class TtlUndeclaredAccepted extends TtlDroppingBackend {
  override readonly manifest: Manifest = withoutTtlManifest;

  constructor(options: MemoryBackendOptions) {
    // Every ttlMs is dropped, valid or not: nothing is refused.
    super(options, () => true);
  }

  override async expiresAt(): Promise<number | null | undefined> {
    throw new NotSupportedError("ttl");
  }
}

runVariant("ttl-undeclared-accepted", (options) => new TtlUndeclaredAccepted(options), {
  manifest: withoutTtlManifest,
});

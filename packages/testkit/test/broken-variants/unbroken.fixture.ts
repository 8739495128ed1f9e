// The memory backend as shipped: the suite must pass it, so the self-test cannot pass vacuously.
import { MemoryBackend } from "@kvkit/backend-memory";
import { runVariant } from "./run-variant.ts";

// With the namespace re-run and the default per-test timeout, exactly as a plugin runs it.
runVariant("unbroken", (options) => new MemoryBackend(options), {
  namespace: true,
  timeoutMs: 10_000,
});

// The backend drops the namespace prefix it is opened with: every key lands in the root.
import { MemoryBackend } from "@kvkit/backend-memory";
import { runVariant } from "./run-variant.ts";

runVariant("ignores-namespace", (options) => new MemoryBackend({ ...options, prefix: "" }), {
  namespace: true,
});

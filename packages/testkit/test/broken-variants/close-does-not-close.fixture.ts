// close() resolves but closes nothing: every method keeps working afterwards.
import { MemoryBackend } from "@kvkit/backend-memory";
import { runVariant } from "./run-variant.ts";

class CloseDoesNotClose extends MemoryBackend {
  override async close(): Promise<void> {}
}

runVariant("close-does-not-close", (options) => new CloseDoesNotClose(options));

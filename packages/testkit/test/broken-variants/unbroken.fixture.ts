// The memory backend as shipped: the suite must pass it, so the self-test cannot pass vacuously.
import { MemoryBackend } from "@kvkit/backend-memory";
import { runVariant } from "./run-variant.ts";

runVariant("unbroken", (options) => new MemoryBackend(options));

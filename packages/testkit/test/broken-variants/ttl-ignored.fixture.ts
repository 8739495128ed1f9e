// ttlMs is accepted and validated, then ignored: keys never expire.
import { runVariant } from "./run-variant.ts";
import { TtlDroppingBackend } from "./ttl-dropping-backend.ts";

// A valid ttlMs is dropped; an invalid one reaches the backend and still rejects.
const isValidTtl = (ttlMs: number): boolean => Number.isSafeInteger(ttlMs) && ttlMs > 0;

runVariant("ttl-ignored", (options) => new TtlDroppingBackend(options, isValidTtl));

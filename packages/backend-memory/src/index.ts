export { manifest } from "./manifest.ts";
export type { MemoryBackendOptions } from "./memory-backend.ts";
export { MemoryBackend } from "./memory-backend.ts";
export type { MemoryStoreOptions } from "./memory-store.ts";
export { MemoryStore } from "./memory-store.ts";
export { plugin } from "./plugin.ts";

export { manifest, manifestFor } from "./manifest.ts";
export { plugin } from "./plugin.ts";
export { RedisBackend } from "./redis-backend.ts";
export type { ClusterNode, RedisBackendOptions, StoreMode } from "./redis-backend-options.ts";

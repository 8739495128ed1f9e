export { manifest } from "./manifest.ts";
export { plugin } from "./plugin.ts";
export { RedisBackend } from "./redis-backend.ts";
export type { ClusterNode, RedisBackendOptions } from "./redis-backend-options.ts";

export type { FileBackendOptions } from "./file-backend.ts";
export { FileBackend } from "./file-backend.ts";
export { FORMAT_VERSION } from "./log-format.ts";
export { manifest, manifestFor } from "./manifest.ts";
export { plugin } from "./plugin.ts";

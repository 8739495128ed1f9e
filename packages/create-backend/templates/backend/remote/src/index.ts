export { manifest } from "./manifest.ts";
export type { TemplateBackendOptions } from "./options.ts";
export { plugin } from "./plugin.ts";
export { TemplateBackend } from "./template-backend.ts";

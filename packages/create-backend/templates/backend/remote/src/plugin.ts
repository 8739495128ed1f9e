import type { BackendPlugin } from "@kvkit/spec";
import { manifest } from "./manifest.ts";
import type { TemplateBackendOptions } from "./options.ts";
import { TemplateBackend } from "./template-backend.ts";

/** The descriptor `connect()` and `registerPlugin()` take. */
export const plugin: BackendPlugin<TemplateBackendOptions> = {
  name: "__PACKAGE_NAME__",
  schemes: ["__SCHEME__"],
  manifest,
  options: {
    url: { type: "string", required: true, description: "The server's base URL." },
    prefix: { type: "string", default: "", description: "A namespace for every key." },
    timeoutMs: { type: "integer", default: 5000, min: 1, description: "Per-request timeout." },
  },
  // The URL's host and port name the server: `scheme://127.0.0.1:8080`.
  optionsFromUrl: (url) => ({ url: `http://${url.host}` }),
  create: (options) => new TemplateBackend(options),
};

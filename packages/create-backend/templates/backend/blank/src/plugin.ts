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
    prefix: { type: "string", default: "", description: "A namespace for every key." },
  },
  optionsFromUrl: () => ({}),
  create: (options) => new TemplateBackend(options),
};

import { fileURLToPath } from "node:url";

/**
 * The package's `templates/backend/` directory. This module sits directly in `src/` (tests)
 * or `dist/` (the published bin), both one level below the package root.
 */
export const TEMPLATES_DIRECTORY: string = fileURLToPath(
  new URL("../templates/backend/", import.meta.url),
);

import { runConformanceSuite } from "@kvkit/testkit";
import { describe } from "vitest";
import { manifest, TemplateBackend } from "../src/index.ts";

// Every case reports as to-do while the methods are stubs. Once they are implemented,
// change `describe.todo` to `describe` and make the suite pass.
describe.todo("conformance", () => {
  runConformanceSuite({
    name: "__PACKAGE_NAME__",
    manifest,
    create: ({ prefix }) => new TemplateBackend({ prefix }),
  });
});

import type { TemplateName } from "./cli-arguments.ts";

/** What a template offers. */
export interface TemplateInfo {
  /** One line for prompts and `--help`. */
  readonly hint: string;
  /**
   * The capabilities the template has working code for; `"all"` when it only writes stubs,
   * which work for whatever the spec defines.
   */
  readonly implements: readonly string[] | "all";
  /** The capabilities chosen when none are given. */
  readonly defaults: readonly string[];
  /** Capabilities the template's own tests use, always declared. */
  readonly required: readonly string[];
  /** What the README says about the template, under the capability table. */
  readonly note: string;
  /** The host part of the README's example URL. */
  readonly exampleHost: string;
}

/** Every template, by name. */
export const TEMPLATES: Readonly<Record<TemplateName, TemplateInfo>> = {
  memory: {
    hint: "a complete in-memory backend that passes the conformance suite; replace its store",
    implements: ["batch", "health", "atomicWrite", "ttl"],
    defaults: ["batch", "health"],
    required: [],
    note:
      "The implementation keeps its data in memory. Each `Real storage:` comment in `src/` marks " +
      "a place where a backend for a real store calls its client instead.",
    exampleHost: "my-store",
  },
  blank: {
    hint: "stubs for every chosen capability; the conformance cases report as to-do",
    implements: "all",
    defaults: ["batch", "health"],
    required: [],
    note:
      "Every method is a stub that rejects with `KVKIT_NOT_SUPPORTED`, and the conformance " +
      "cases report as to-do. Implement the methods, then change `describe.todo` to " +
      "`describe` in `test/conformance.test.ts`.",
    exampleHost: "my-store",
  },
  remote: {
    hint: "a client for a store reached over the network, with timeouts and health checks",
    implements: ["health"],
    defaults: ["health"],
    required: ["health"],
    note:
      "The client talks HTTP to a key-value server. `test/support/` has a small server for the " +
      "tests; the fault tests put @kvkit/testkit's fault-injecting proxy between the two.",
    exampleHost: "127.0.0.1:8080",
  },
};

// list() treats '*' and '?' in a prefix as glob wildcards, as a naive Redis SCAN MATCH would.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { ListEntry, ListOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class ListGlob extends MemoryBackend {
  override list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    const prefix = options.prefix ?? "";
    if (!/[*?]/.test(prefix)) return super.list(options);
    const source = [...prefix]
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("");
    const pattern = new RegExp(`^${source}`, "su");
    const all = super.list({ ...options, prefix: "" });
    return (async function* () {
      for await (const entry of all) if (pattern.test(entry.key)) yield entry;
    })();
  }
}

runVariant("list-glob", (options) => new ListGlob(options));

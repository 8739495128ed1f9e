// list() matches a prefix case-insensitively (a collation, not an exact byte prefix).
import { MemoryBackend } from "@kvkit/backend-memory";
import type { ListEntry, ListOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class ListPrefixCaseInsensitive extends MemoryBackend {
  override list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    const prefix = (options.prefix ?? "").toLowerCase();
    if (prefix === "") return super.list(options);
    const all = super.list({ ...options, prefix: "" });
    return (async function* () {
      for await (const entry of all) if (entry.key.toLowerCase().startsWith(prefix)) yield entry;
    })();
  }
}

runVariant("list-prefix-case-insensitive", (options) => new ListPrefixCaseInsensitive(options));

// list() sorts keys with JavaScript's string order (UTF-16 units), not UTF-8 byte order.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { ListEntry, ListOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class ListUtf16Order extends MemoryBackend {
  override list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    if (options.cursor !== undefined) return super.list(options);
    const all = super.list({ ...options, limit: undefined, reverse: false });
    return (async function* () {
      const entries: ListEntry[] = [];
      for await (const entry of all) entries.push(entry);
      entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      if (options.reverse === true) entries.reverse();
      yield* entries.slice(0, options.limit ?? entries.length);
    })();
  }
}

runVariant("list-utf16-order", (options) => new ListUtf16Order(options));

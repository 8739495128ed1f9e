// list() cursors name the key only, not the prefix, start, end and reverse they were made
// for: a cursor reused with other options resumes somewhere in the new listing instead of
// being refused with KVKIT_INVALID_CURSOR.
import { MemoryBackend } from "@kvkit/backend-memory";
import { ListCursor, type ListEntry, type ListOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

/** One cursor format for every listing: the options are left out. */
const keyOnly = new ListCursor("", undefined, undefined, false);

class ListCursorIgnoresOptions extends MemoryBackend {
  override list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    return this.#list(options);
  }

  async *#list(options: ListOptions): AsyncGenerator<ListEntry, void, undefined> {
    const { prefix = "", start, end, reverse = false, cursor } = options;
    const own = new ListCursor(prefix, start, end, reverse);
    // A made-up cursor is still refused: decode() throws KVKIT_INVALID_CURSOR.
    const resumed = typeof cursor === "string" ? own.encode(keyOnly.decode(cursor)) : cursor;
    for await (const entry of super.list({ ...options, cursor: resumed })) {
      yield { key: entry.key, cursor: keyOnly.encode(entry.key) };
    }
  }
}

runVariant("list-cursor-ignores-options", (options) => new ListCursorIgnoresOptions(options));

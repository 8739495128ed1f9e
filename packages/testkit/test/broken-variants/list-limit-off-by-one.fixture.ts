// list({ limit }) yields one entry too many.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { ListEntry, ListOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class ListLimitOffByOne extends MemoryBackend {
  override list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    const { limit } = options;
    if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 0) {
      return super.list(options);
    }
    return super.list({ ...options, limit: limit + 1 });
  }
}

runVariant("list-limit-off-by-one", (options) => new ListLimitOffByOne(options));

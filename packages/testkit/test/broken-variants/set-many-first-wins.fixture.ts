// setMany() keeps the first entry of a key named twice instead of the last.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { BatchEntry, WriteOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class SetManyFirstWins extends MemoryBackend {
  override setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    if (!Array.isArray(entries)) return super.setMany(entries, options);
    const seen = new Set<unknown>();
    const firsts = (entries as readonly BatchEntry[]).filter((entry) => {
      if (seen.has(entry?.key)) return false;
      seen.add(entry?.key);
      return true;
    });
    return super.setMany(firsts, options);
  }
}

runVariant("set-many-first-wins", (options) => new SetManyFirstWins(options));

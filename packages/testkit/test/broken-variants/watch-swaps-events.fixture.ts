// watch() hands out events that arrive together in swapped pairs, so two writes of one key
// can be seen in the wrong order (as a backend fanning out through unordered workers would).
import { MemoryBackend } from "@kvkit/backend-memory";
import type { WatchEvent, WatchOptions, WatchStream } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

function swapPairs(inner: WatchStream): WatchStream {
  const iterator = inner[Symbol.asyncIterator]();
  let inflight: Promise<IteratorResult<WatchEvent>> | undefined;
  let held: WatchEvent | undefined;
  let ended = false;
  const swapped: AsyncIterator<WatchEvent> = {
    async next() {
      if (held !== undefined) {
        const value = held;
        held = undefined;
        return { done: false, value };
      }
      if (ended) return { done: true, value: undefined };
      const first = await (inflight ?? iterator.next());
      inflight = undefined;
      if (first.done === true) return first;
      // Wait briefly for a second event; if one comes, deliver it before the first.
      const next = iterator.next();
      const second = await Promise.race([
        next,
        new Promise<"late">((resolve) => setTimeout(resolve, 5, "late")),
      ]);
      if (second === "late") {
        inflight = next;
        return first;
      }
      if (second.done === true) {
        ended = true;
        return first;
      }
      held = first.value;
      return second;
    },
    async return() {
      await inner.close();
      return { done: true, value: undefined };
    },
  };
  return {
    [Symbol.asyncIterator]: () => swapped,
    close: () => inner.close(),
    [Symbol.asyncDispose]: () => inner.close(),
  };
}

class WatchSwapsEvents extends MemoryBackend {
  override async watch(options?: WatchOptions): Promise<WatchStream> {
    return swapPairs(await super.watch(options));
  }
}

runVariant("watch-swaps-events", (options) => new WatchSwapsEvents(options));

import type { WatchEvent, WatchStream } from "@kvkit/spec";

/** A watch stream that passes on only the events `keep` accepts (to break a backend's watch). */
export function filterStream(
  inner: WatchStream,
  keep: (event: WatchEvent) => boolean,
): WatchStream {
  const iterator = inner[Symbol.asyncIterator]();
  const filtered: AsyncIterator<WatchEvent> = {
    async next() {
      for (;;) {
        const result = await iterator.next();
        if (result.done === true || keep(result.value)) return result;
      }
    },
    async return() {
      await inner.close();
      return { done: true, value: undefined };
    },
  };
  return {
    [Symbol.asyncIterator]: () => filtered,
    close: () => inner.close(),
    [Symbol.asyncDispose]: () => inner.close(),
  };
}

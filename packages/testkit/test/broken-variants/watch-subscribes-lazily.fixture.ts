// watch() resolves before it is subscribed: it subscribes when iteration starts, so writes
// made between watch() resolving and the first next() are lost.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { WatchEvent, WatchOptions, WatchStream } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class WatchSubscribesLazily extends MemoryBackend {
  override async watch(options?: WatchOptions): Promise<WatchStream> {
    // Validate eagerly so that bad options still reject from watch() itself.
    await (await super.watch(options)).close();
    const subscribe = async (): Promise<[WatchStream, AsyncIterator<WatchEvent>]> => {
      const stream = await super.watch(options);
      return [stream, stream[Symbol.asyncIterator]()];
    };
    let inner: Promise<[WatchStream, AsyncIterator<WatchEvent>]> | undefined;
    let closed = false;
    const iterator: AsyncIterator<WatchEvent> = {
      async next() {
        if (closed) return { done: true, value: undefined };
        inner ??= subscribe();
        return (await inner)[1].next();
      },
      async return() {
        closed = true;
        await (await inner)?.[0].close();
        return { done: true, value: undefined };
      },
    };
    const close = async (): Promise<void> => {
      closed = true;
      await (await inner)?.[0].close();
    };
    return { [Symbol.asyncIterator]: () => iterator, close, [Symbol.asyncDispose]: close };
  }
}

runVariant("watch-subscribes-lazily", (options) => new WatchSubscribesLazily(options));

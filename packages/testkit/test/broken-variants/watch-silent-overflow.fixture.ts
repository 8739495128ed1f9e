// watch() drops events on overflow without saying so: the gap event is swallowed.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { WatchEvent, WatchOptions, WatchStream } from "@kvkit/spec";
import { filterStream } from "./filter-stream.ts";
import { runVariant } from "./run-variant.ts";

class WatchSilentOverflow extends MemoryBackend {
  override async watch(options?: WatchOptions): Promise<WatchStream> {
    return filterStream(await super.watch(options), (event: WatchEvent) => event.type !== "gap");
  }
}

runVariant("watch-silent-overflow", (options) => new WatchSilentOverflow(options));

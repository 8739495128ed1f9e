// watch() never delivers delete events.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { WatchEvent, WatchOptions, WatchStream } from "@kvkit/spec";
import { filterStream } from "./filter-stream.ts";
import { runVariant } from "./run-variant.ts";

class WatchDropsDeletes extends MemoryBackend {
  override async watch(options?: WatchOptions): Promise<WatchStream> {
    return filterStream(await super.watch(options), (event: WatchEvent) => event.type !== "delete");
  }
}

runVariant("watch-drops-deletes", (options) => new WatchDropsDeletes(options));

// Besides reading the clock, set() arms a timer that deletes a key when its ttlMs has passed,
// to free memory early. Node fires a timer whose delay is over 2^31 - 1 ms (about 24.8 days)
// after 1 ms, so a key written with a 30-day TTL is gone at once.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { WriteOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class TtlTimerOverflow extends MemoryBackend {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  override async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    await super.set(key, value, options);
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
    const ttlMs = options?.ttlMs;
    if (ttlMs === undefined) return;
    const expire = (): void => {
      this.#timers.delete(key);
      super.delete(key).catch(() => undefined);
    };
    this.#timers.set(key, setTimeout(expire, ttlMs));
  }

  override async close(): Promise<void> {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await super.close();
  }
}

runVariant("ttl-timer-overflow", (options) => new TtlTimerOverflow(options));

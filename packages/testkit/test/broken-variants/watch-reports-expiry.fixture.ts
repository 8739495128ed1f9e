// A read that finds a key expired removes it as a delete does, and watchers get a delete event
// for it: expiry is reported as an event, which the spec rules out.
import { MemoryBackend, MemoryStore } from "@kvkit/backend-memory";
import { runVariant } from "./run-variant.ts";

class ExpiryNotifyingStore extends MemoryStore {
  override read(key: string, now: () => number): number | undefined {
    // With a clock at minus infinity nothing has expired yet: the live or expired handle.
    const handle = super.read(key, () => Number.NEGATIVE_INFINITY);
    if (handle === undefined || this.values.expiresAt(handle) > now()) return handle;
    this.remove(key, handle);
    return undefined;
  }
}

/** The variant's stores by name, as `MemoryStore.named()` keeps plain ones. */
const stores = new Map<string, ExpiryNotifyingStore>();

runVariant("watch-reports-expiry", ({ store: name, ...options }) => {
  let store = stores.get(name);
  if (store === undefined) {
    store = new ExpiryNotifyingStore();
    stores.set(name, store);
  }
  return new MemoryBackend({ ...options, store });
});

import type { Backend, CapabilityName, WriteOptions } from "@kvkit/spec";

/** `"kv"` for the required core, or an optional capability. */
export type MethodGroup = "kv" | CapabilityName;

/** One public data method, with a call that exercises it on a fresh store. */
export interface MethodCall {
  readonly group: MethodGroup;
  /** The method's name, as written in test names: `"getMany"`. */
  readonly method: string;
  /**
   * Calls the method with valid arguments and waits for it to finish (draining iterables and
   * the first event of a watch is not awaited: `watch()` resolves once ready).
   */
  call(backend: Backend, options: WriteOptions): Promise<unknown>;
}

const value = new Uint8Array([1, 2, 3]);

// The backend is typed as the full surface here: these calls are only made when the group
// is declared, or, for refusal checks, when the method exists at run time.
type Loose = Record<string, (...args: unknown[]) => unknown>;

function invoke(backend: Backend, method: string, ...args: unknown[]): Promise<unknown> {
  const fn = (backend as unknown as Loose)[method];
  if (typeof fn !== "function") throw new TypeError(`the backend has no ${method}() method`);
  return Promise.resolve(fn.apply(backend, args));
}

async function drain(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/**
 * Every data method of the spec with valid arguments, by group. `health` is left out: it
 * never rejects (see the health cases).
 */
export const METHOD_CALLS: readonly MethodCall[] = [
  { group: "kv", method: "get", call: (b, o) => b.get("k", o) },
  { group: "kv", method: "set", call: (b, o) => b.set("k", value, o) },
  { group: "kv", method: "delete", call: (b, o) => b.delete("k", o) },
  { group: "kv", method: "has", call: (b, o) => b.has("k", o) },
  { group: "kv", method: "list", call: (b, o) => drain(b.list(o)) },
  { group: "batch", method: "getMany", call: (b, o) => invoke(b, "getMany", ["k", "l"], o) },
  {
    group: "batch",
    method: "setMany",
    call: (b, o) => invoke(b, "setMany", [{ key: "k", value }], o),
  },
  { group: "batch", method: "deleteMany", call: (b, o) => invoke(b, "deleteMany", ["k"], o) },
  {
    group: "watch",
    method: "watch",
    call: async (b, o) => {
      const stream = (await invoke(b, "watch", { prefix: "", ...o })) as {
        close(): Promise<void>;
      };
      await stream.close();
    },
  },
  {
    group: "atomicWrite",
    method: "getVersioned",
    call: (b, o) => invoke(b, "getVersioned", "k", o),
  },
  {
    group: "atomicWrite",
    method: "compareAndSet",
    call: (b, o) => invoke(b, "compareAndSet", "k", null, value, o),
  },
  {
    group: "atomicWrite",
    method: "commit",
    call: (b, o) => invoke(b, "commit", { set: [{ key: "k", value }] }, o),
  },
  { group: "ttl", method: "expiresAt", call: (b, o) => invoke(b, "expiresAt", "k", o) },
];

/** The method names each optional capability adds. */
export const CAPABILITY_METHODS: Readonly<Record<CapabilityName, readonly string[]>> = {
  batch: ["getMany", "setMany", "deleteMany"],
  health: ["health"],
  watch: ["watch"],
  atomicWrite: ["getVersioned", "compareAndSet", "commit"],
  ttl: ["expiresAt"],
};

/** Whether `backend` has a callable `method`, declared or not. */
export function hasMethod(backend: Backend, method: string): boolean {
  return typeof (backend as unknown as Loose)[method] === "function";
}

/** Calls `method` on `backend` by name (for refusal checks of undeclared capabilities). */
export function callMethod(backend: Backend, method: string, ...args: unknown[]): Promise<unknown> {
  return invoke(backend, method, ...args);
}

import type { Backend, Manifest, WatchStream } from "@kvkit/spec";
import { expect } from "vitest";
import { bytes } from "../bytes.ts";
import { listKeys } from "./list-keys.ts";
import { callMethod, type MethodGroup } from "./method-calls.ts";

/** A key every {@link KeyCall} case stores first: the call under test must leave it as it is. */
const KEPT_KEY = "kept";
const KEPT_VALUE = bytes("kept");
const CHANGED = bytes("changed");
const VALUE = bytes("v");

/** One place where a method of the spec takes a key. */
export interface KeyCall {
  readonly group: MethodGroup;
  /** The method's name, as written in test names: `"commit"`. */
  readonly method: string;
  /** Where the key goes, for test names: `""`, or `" in checks"` for one of several places. */
  readonly where: string;
  /**
   * Calls the method with `key` and valid arguments otherwise. A method that takes several
   * keys also gets the kept key (read, overwritten or deleted in the same call), so that a
   * refusal must refuse the whole call.
   */
  call(backend: Backend, key: string): Promise<unknown>;
}

/** Every place a key goes in a call of the spec, by group. */
export const KEY_CALLS: readonly KeyCall[] = [
  { group: "kv", method: "get", where: "", call: (b, key) => b.get(key) },
  { group: "kv", method: "set", where: "", call: (b, key) => b.set(key, VALUE) },
  { group: "kv", method: "delete", where: "", call: (b, key) => b.delete(key) },
  { group: "kv", method: "has", where: "", call: (b, key) => b.has(key) },
  {
    group: "batch",
    method: "getMany",
    where: "",
    call: (b, key) => callMethod(b, "getMany", [KEPT_KEY, key]),
  },
  {
    group: "batch",
    method: "setMany",
    where: "",
    call: (b, key) =>
      callMethod(b, "setMany", [
        { key: KEPT_KEY, value: CHANGED },
        { key, value: VALUE },
      ]),
  },
  {
    group: "batch",
    method: "deleteMany",
    where: "",
    call: (b, key) => callMethod(b, "deleteMany", [KEPT_KEY, key]),
  },
  {
    group: "atomicWrite",
    method: "getVersioned",
    where: "",
    call: (b, key) => callMethod(b, "getVersioned", key),
  },
  {
    group: "atomicWrite",
    method: "compareAndSet",
    where: "",
    call: (b, key) => callMethod(b, "compareAndSet", key, null, VALUE),
  },
  {
    group: "atomicWrite",
    method: "commit",
    where: " in checks",
    call: (b, key) =>
      callMethod(b, "commit", {
        checks: [{ key, version: null }],
        set: [{ key: KEPT_KEY, value: CHANGED }],
      }),
  },
  {
    group: "atomicWrite",
    method: "commit",
    where: " in set",
    call: (b, key) =>
      callMethod(b, "commit", {
        set: [
          { key: KEPT_KEY, value: CHANGED },
          { key, value: VALUE },
        ],
      }),
  },
  {
    group: "atomicWrite",
    method: "commit",
    where: " in delete",
    call: (b, key) => callMethod(b, "commit", { delete: [KEPT_KEY, key] }),
  },
  {
    group: "ttl",
    method: "expiresAt",
    where: "",
    call: (b, key) => callMethod(b, "expiresAt", key),
  },
  {
    group: "watch",
    method: "watch",
    where: " as { key }",
    call: async (b, key) => {
      const stream = (await callMethod(b, "watch", { key })) as WatchStream;
      await stream.close();
    },
  },
];

/** The {@link KEY_CALLS} of the core and of every capability `manifest` declares. */
export function declaredKeyCalls(manifest: Manifest): readonly KeyCall[] {
  return KEY_CALLS.filter(({ group }) => group === "kv" || manifest.capabilities[group]);
}

/**
 * Asserts that `keyCall` with `key` rejects matching `expected` and writes nothing: on a store
 * that held only the kept key, it holds only the kept key, unchanged, afterwards.
 */
export async function expectKeyRefused(
  backend: Backend,
  keyCall: KeyCall,
  key: string,
  expected: object,
): Promise<void> {
  const what = `${keyCall.method}()${keyCall.where} with ${
    key.length > 32 ? `a key of ${key.length} characters` : JSON.stringify(key)
  }`;
  await backend.set(KEPT_KEY, KEPT_VALUE);
  await expect(keyCall.call(backend, key), what).rejects.toMatchObject(expected);
  expect(await listKeys(backend), `keys after ${what}`).toEqual([KEPT_KEY]);
  expect(await backend.get(KEPT_KEY), `the kept key after ${what}`).toEqual(KEPT_VALUE);
}

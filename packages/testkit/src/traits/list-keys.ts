import type { Backend, ListOptions } from "@kvkit/spec";

/** The keys `backend.list(options)` yields, in the order it yields them. */
export async function listKeys(backend: Backend, options?: ListOptions): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of backend.list(options)) keys.push(entry.key);
  return keys;
}

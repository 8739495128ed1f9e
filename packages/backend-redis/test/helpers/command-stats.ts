import type { Redis } from "ioredis";

/** Calls of each command since the last `CONFIG RESETSTAT`, from `INFO commandstats`. */
export async function commandCalls(control: Redis): Promise<Map<string, number>> {
  const info = await control.info("commandstats");
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(match[1] as string, Number(match[2]));
  }
  return calls;
}

/**
 * The commands the backend made while `operation` ran, by name, counted between two
 * `CONFIG RESETSTAT`s on `control`; the control connection's own INFO and CONFIG are left out.
 */
export async function commandsDuring(
  control: Redis,
  operation: () => Promise<unknown>,
): Promise<Map<string, number>> {
  await control.config("RESETSTAT");
  await operation();
  const calls = await commandCalls(control);
  calls.delete("info");
  calls.delete("config|resetstat");
  return calls;
}

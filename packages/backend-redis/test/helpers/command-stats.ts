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

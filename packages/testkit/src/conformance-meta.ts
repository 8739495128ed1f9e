import type { CapabilityName } from "@kvkit/spec";

/** The key under which {@link runConformanceSuite} tags a backend's root `describe`. */
export const CONFORMANCE_META_KEY = "kvkitConformance";

/** What the root `describe` of a conformance run carries for the reporter. */
export interface ConformanceMeta {
  /** The backend's name, as given to `runConformanceSuite`. */
  readonly name: string;
  /** Every optional capability with whether the manifest declares it. */
  readonly capabilities: Readonly<Record<CapabilityName, boolean>>;
  readonly orderedList: boolean;
  readonly atomicBatch: boolean;
}

/** Reads the conformance tag from a task's meta, if it has one. */
export function readConformanceMeta(meta: object): ConformanceMeta | undefined {
  const value = (meta as Record<string, unknown>)[CONFORMANCE_META_KEY];
  if (typeof value !== "object" || value === null) return undefined;
  const candidate = value as Partial<ConformanceMeta>;
  return typeof candidate.name === "string" && typeof candidate.capabilities === "object"
    ? (value as ConformanceMeta)
    : undefined;
}

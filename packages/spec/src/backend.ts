import type { AtomicWriteCapability } from "./atomic-write-capability.ts";
import type { BatchCapability } from "./batch-capability.ts";
import type { HealthCapability } from "./health-capability.ts";
import type { KvCapability } from "./kv-capability.ts";
import type { Manifest } from "./manifest.ts";
import type { Resource } from "./resource.ts";
import type { TtlCapability } from "./ttl-capability.ts";
import type { WatchCapability } from "./watch-capability.ts";

/**
 * The optional capabilities, by manifest key. Adding one here makes every manifest that does
 * not declare it a compile error, so the compiler lists the places to update.
 */
export interface OptionalCapabilities {
  batch: BatchCapability;
  health: HealthCapability;
  watch: WatchCapability;
  atomicWrite: AtomicWriteCapability;
  ttl: TtlCapability;
}

/** The name of an optional capability: `"batch" | "health" | "watch" | "atomicWrite" | "ttl"`. */
export type CapabilityName = keyof OptionalCapabilities;

/** Every capability name, in a stable order. */
export const CAPABILITY_NAMES: readonly CapabilityName[] = [
  "batch",
  "health",
  "watch",
  "atomicWrite",
  "ttl",
];

/**
 * A backend: the required core, a lifecycle, and the manifest that says what else it does.
 * Use {@link hasCapability} or {@link requireCapability} to reach an optional capability.
 */
export interface Backend extends KvCapability, Resource {
  /** What this instance declares. Constant for the instance's whole life. */
  readonly manifest: Manifest;
}

/** A backend that implements every optional capability. */
export type FullBackend = Backend &
  BatchCapability &
  HealthCapability &
  WatchCapability &
  AtomicWriteCapability &
  TtlCapability;

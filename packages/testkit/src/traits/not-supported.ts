import type { CapabilityName } from "@kvkit/spec";

/** The fields of a `NotSupportedError` refusing an undeclared capability. */
export interface NotSupportedShape {
  readonly code: "KVKIT_NOT_SUPPORTED";
  readonly capability: CapabilityName;
}

/**
 * What a refusal of an undeclared capability (one of its methods, or an option of it such as
 * `ttlMs`) must match (with `toMatchObject`): `KVKIT_NOT_SUPPORTED` naming the capability.
 */
export function notSupported(capability: CapabilityName): NotSupportedShape {
  return { code: "KVKIT_NOT_SUPPORTED", capability };
}

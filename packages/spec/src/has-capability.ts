import type { Backend, CapabilityName, OptionalCapabilities } from "./backend.ts";
import { NotSupportedError } from "./errors/not-supported-error.ts";

/**
 * Tells whether `backend` declares capability `name`, and narrows its type. Reads the
 * manifest only: a method that exists but is not declared does not count.
 */
export function hasCapability<N extends CapabilityName>(
  backend: Backend,
  name: N,
): backend is Backend & OptionalCapabilities[N] {
  return backend.manifest.capabilities[name];
}

/**
 * Returns `backend` typed with capability `name`.
 *
 * @throws {NotSupportedError} `KVKIT_NOT_SUPPORTED` when the manifest does not declare it.
 */
export function requireCapability<N extends CapabilityName>(
  backend: Backend,
  name: N,
): Backend & OptionalCapabilities[N] {
  if (!hasCapability(backend, name)) throw new NotSupportedError(name);
  return backend;
}

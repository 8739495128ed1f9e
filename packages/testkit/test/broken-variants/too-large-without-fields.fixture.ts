// The key and batch size checks are the backend's own and throw its own error class: the code
// is KVKIT_TOO_LARGE, but there is no `limit`, `size` or `max` to say which limit was hit and
// by how much. Values go through the spec's check and are refused with a full TooLargeError.
import { MemoryBackend } from "@kvkit/backend-memory";
import { BackendError, isBackendError, type TooLargeError } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class SizeError extends BackendError {
  override readonly name = "SizeError";
  readonly code = "KVKIT_TOO_LARGE";
}

function ownSizeError(error: unknown): never {
  if (isBackendError(error, "KVKIT_TOO_LARGE") && (error as TooLargeError).limit !== "value") {
    throw new SizeError(error.message);
  }
  throw error;
}

/** `backend`, with every promise a method returns rejecting with {@link ownSizeError}. */
function withOwnSizeErrors(backend: MemoryBackend): MemoryBackend {
  return new Proxy(backend, {
    get(target, property) {
      const member: unknown = Reflect.get(target, property, target);
      if (typeof member !== "function") return member;
      return (...args: unknown[]) => {
        const result: unknown = member.apply(target, args);
        return result instanceof Promise ? result.catch(ownSizeError) : result;
      };
    },
  });
}

runVariant("too-large-without-fields", (options) => withOwnSizeErrors(new MemoryBackend(options)));

/** A signal that has already fired, and the reason it carries (expected as `cause`). */
export function abortedSignal(): { signal: AbortSignal; reason: Error } {
  const controller = new AbortController();
  const reason = new Error("aborted by the conformance suite");
  controller.abort(reason);
  return { signal: controller.signal, reason };
}

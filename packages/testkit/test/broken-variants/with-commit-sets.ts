import type { AtomicCommit, CommitSet } from "@kvkit/spec";

/**
 * `operations` with `map` applied to each of its sets, to break how a backend treats them.
 * A commit that is not well formed (no object, `set` not an array, an entry not an object) is
 * passed on as it is, for the backend to refuse.
 */
export function withCommitSets(
  operations: AtomicCommit,
  map: (entry: CommitSet) => CommitSet,
): AtomicCommit {
  if (typeof operations !== "object" || operations === null || !Array.isArray(operations.set)) {
    return operations;
  }
  const set = operations.set.map((entry: CommitSet) =>
    typeof entry === "object" && entry !== null ? map(entry) : entry,
  );
  return { ...operations, set };
}

import {
  type CheckOptions,
  checkLinearizability,
  type LinearizabilityResult,
  type TimedOperation,
} from "./check-linearizability.ts";
import type { RecordedOperation } from "./history-recorder.ts";
import { type RegisterInput, type RegisterOutput, registerModel } from "./register-model.ts";

/** What {@link checkKvHistory} found. */
export interface KvHistoryReport {
  /** True when every key's history is linearizable and no version was issued twice. */
  readonly ok: boolean;
  /** The verdict of each key's sub-history. */
  readonly keys: ReadonlyMap<string, LinearizabilityResult>;
  /** Versions that named two different writes of one key (a reused version). */
  readonly anomalies: readonly string[];
  /** A readable summary of every problem; empty when `ok`. */
  readonly message: string;
}

/**
 * Checks a recorded key-value history for linearizability, one key at a time (keys are
 * independent registers, so the whole history is linearizable exactly when every key's
 * sub-history is: P-compositionality).
 *
 * Versions are opaque, so a compare-and-set is modelled by value: the history must write a
 * unique value per write, and every version seen (returned by `compareAndSet`, read by
 * `getVersioned`) is mapped to the value it was issued with. A compare-and-set expecting
 * version V then becomes "cas from the value V belongs to". Two different values under one
 * version of one key are reported as an anomaly (the spec forbids reusing a version, even
 * after a delete), and a compare-and-set expecting a version never seen in the history can
 * only have failed. An inconclusive search (the budget ran out) counts as not ok.
 */
export function checkKvHistory(
  operations: readonly RecordedOperation[],
  options: CheckOptions = {},
): KvHistoryReport {
  const byKey = new Map<string, RecordedOperation[]>();
  for (const operation of operations) {
    const list = byKey.get(operation.key) ?? [];
    list.push(operation);
    byKey.set(operation.key, list);
  }
  const keys = new Map<string, LinearizabilityResult>();
  const anomalies: string[] = [];
  const problems: string[] = [];
  for (const [key, list] of byKey) {
    const versions = new Map<string, string>();
    const note = (version: string | undefined, value: string | null | undefined): void => {
      if (version === undefined || value === undefined || value === null) return;
      const known = versions.get(version);
      if (known === undefined) versions.set(version, value);
      else if (known !== value) {
        anomalies.push(
          `key ${JSON.stringify(key)}: version ${JSON.stringify(version)} was issued for two writes (values ${known} and ${value})`,
        );
      }
    };
    for (const operation of list) {
      if (operation.outcome.type !== "ok") continue;
      if (operation.kind === "getVersioned")
        note(operation.outcome.version, operation.outcome.value);
      if (operation.kind === "compareAndSet") note(operation.outcome.version, operation.value);
    }
    const history = list.flatMap((operation) => toRegisterOperation(operation, versions));
    const result = checkLinearizability(history, registerModel, options);
    keys.set(key, result);
    if (result.verdict === "violation") {
      problems.push(`key ${JSON.stringify(key)}: ${result.explanation}`);
    } else if (result.verdict === "inconclusive") {
      problems.push(
        `key ${JSON.stringify(key)}: search budget exhausted after ${result.steps} steps`,
      );
    }
  }
  const ok = anomalies.length === 0 && problems.length === 0;
  return { ok, keys, anomalies, message: [...anomalies, ...problems].join("\n") };
}

function toRegisterOperation(
  operation: RecordedOperation,
  versions: ReadonlyMap<string, string>,
): TimedOperation<RegisterInput, RegisterOutput>[] {
  const { outcome } = operation;
  const unknown = outcome.type === "unknown";
  if (outcome.type === "failed") return [];
  const base = { client: operation.client, call: operation.call, returned: operation.returned };
  switch (operation.kind) {
    case "get":
    case "getVersioned":
      // A read that failed had no effect and returned nothing to check.
      if (outcome.type !== "ok") return [];
      return [{ ...base, input: { kind: "read" }, output: outcome.value ?? null }];
    case "set":
      return [
        { ...base, input: { kind: "write", value: operation.value ?? "" }, output: true, unknown },
      ];
    case "delete":
      return [
        {
          ...base,
          input: { kind: "delete" },
          output: outcome.type === "ok" ? (outcome.existed ?? false) : undefined,
          unknown,
        },
      ];
    case "compareAndSet": {
      const expected =
        operation.expected === null || operation.expected === undefined
          ? null
          : // A version the history never saw cannot be the current one of any value it wrote.
            (versions.get(operation.expected) ?? `\u0000unseen version ${operation.expected}`);
      return [
        {
          ...base,
          input: { kind: "cas", expected, value: operation.value ?? "" },
          output: outcome.type === "ok",
          unknown,
        },
      ];
    }
  }
}

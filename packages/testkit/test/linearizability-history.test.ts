import { MemoryBackend } from "@kvkit/backend-memory";
import { ConflictError, type Version, type WriteOptions } from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { bytes } from "../src/bytes.ts";
import { checkKvHistory } from "../src/linearizability/check-kv-history.ts";
import {
  encodeValue,
  HistoryRecorder,
  type RecordedOperation,
  type RecordingClient,
} from "../src/linearizability/history-recorder.ts";

/** How the recorder encodes a UTF-8 value. */
const text = (value: string): string => JSON.stringify(value);

/** A recorded operation on key "k", defaults filled in. */
function op(
  fields: Partial<RecordedOperation> &
    Pick<RecordedOperation, "kind" | "call" | "returned" | "outcome">,
): RecordedOperation {
  return { client: "c", key: "k", ...fields };
}

/** A memory backend whose compareAndSet checks, yields, then writes: a textbook race. */
class RacyCompareAndSet extends MemoryBackend {
  override async compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    const current = await this.getVersioned(key);
    if ((current?.version ?? null) !== expected) throw new ConflictError([key]);
    await new Promise((resolve) => setImmediate(resolve));
    await this.set(key, value, options);
    return (await this.getVersioned(key))?.version as Version;
  }
}

/** Clients incrementing one counter with read-version / compare-and-set / retry. */
async function countConcurrently(
  clients: readonly RecordingClient[],
  increments: number,
): Promise<void> {
  await Promise.all(
    clients.map(async (client, index) => {
      for (let done = 0, attempt = 0; done < increments && attempt < 50 * increments; attempt++) {
        const current = await client.getVersioned("counter");
        const next =
          current === undefined
            ? 1
            : Number.parseInt(new TextDecoder().decode(current.value), 10) + 1;
        if (attempt % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
        try {
          // Unique values: the client's name rides along with the count.
          await client.compareAndSet(
            "counter",
            current?.version ?? null,
            bytes(`${next}:${index}`),
          );
          done++;
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
        }
      }
    }),
  );
}

describe("checkKvHistory()", () => {
  it("checkKvHistory() accepts a concurrent counter history recorded on the memory backend", async () => {
    const recorder = new HistoryRecorder();
    const backend = new MemoryBackend();
    const clients = Array.from({ length: 4 }, (_, i) => recorder.client(`c${i}`, backend));
    await countConcurrently(clients, 10);
    const report = checkKvHistory(recorder.operations);
    expect(report.message).toBe("");
    expect(report.ok).toBe(true);
    expect(
      recorder.operations.filter((o) => o.kind === "compareAndSet" && o.outcome.type === "ok"),
    ).toHaveLength(40);
  });

  it("checkKvHistory() rejects the history of a compare-and-set that checks, yields, then writes", async () => {
    const recorder = new HistoryRecorder();
    const backend = new RacyCompareAndSet();
    const clients = Array.from({ length: 4 }, (_, i) => recorder.client(`c${i}`, backend));
    await countConcurrently(clients, 10);
    const report = checkKvHistory(recorder.operations);
    expect(report.ok).toBe(false);
    expect(report.keys.get("counter")?.verdict).toBe("violation");
  });

  it("checkKvHistory() translates a version into the value it was issued with", () => {
    // v1 belongs to "a"; "b" overwrote it; a compare-and-set expecting v1 cannot succeed after that.
    const history = [
      op({
        kind: "compareAndSet",
        value: text("a"),
        expected: null,
        call: 0,
        returned: 1,
        outcome: { type: "ok", version: "v1" },
      }),
      op({ kind: "set", value: text("b"), call: 2, returned: 3, outcome: { type: "ok" } }),
      op({
        kind: "compareAndSet",
        value: text("c"),
        expected: "v1",
        call: 4,
        returned: 5,
        outcome: { type: "ok", version: "v3" },
      }),
    ];
    expect(checkKvHistory(history).ok).toBe(false);
    const refused = [
      ...history.slice(0, 2),
      { ...(history[2] as RecordedOperation), outcome: { type: "conflict" as const } },
    ];
    expect(checkKvHistory(refused).ok).toBe(true);
  });

  it("checkKvHistory() reports a version issued for two different writes of one key", () => {
    const report = checkKvHistory([
      op({
        kind: "compareAndSet",
        value: text("a"),
        expected: null,
        call: 0,
        returned: 1,
        outcome: { type: "ok", version: "v1" },
      }),
      op({ kind: "delete", call: 2, returned: 3, outcome: { type: "ok", existed: true } }),
      op({
        kind: "compareAndSet",
        value: text("b"),
        expected: null,
        call: 4,
        returned: 5,
        outcome: { type: "ok", version: "v1" },
      }),
    ]);
    expect(report.ok).toBe(false);
    expect(report.anomalies).toHaveLength(1);
    expect(report.message).toContain("v1");
  });

  it("checkKvHistory() checks keys independently", () => {
    const report = checkKvHistory([
      op({
        key: "x",
        kind: "set",
        value: text("a"),
        call: 0,
        returned: 1,
        outcome: { type: "ok" },
      }),
      op({ key: "y", kind: "get", call: 2, returned: 3, outcome: { type: "ok", value: null } }),
      op({
        key: "x",
        kind: "get",
        call: 4,
        returned: 5,
        outcome: { type: "ok", value: text("a") },
      }),
    ]);
    expect(report.ok).toBe(true);
    expect([...report.keys.keys()].sort()).toEqual(["x", "y"]);
  });

  it("checkKvHistory() lets a write with an unknown outcome have happened or not, and ignores failed ones", () => {
    const lost = op({
      kind: "set",
      value: text("a"),
      call: 0,
      returned: 1,
      outcome: { type: "unknown", error: new Error("lost") },
    });
    const refused = op({
      kind: "set",
      value: text("z"),
      call: 0,
      returned: 1,
      outcome: { type: "failed", code: "KVKIT_INVALID_KEY" },
    });
    const read = (value: string | null) =>
      op({ kind: "get", call: 5, returned: 6, outcome: { type: "ok", value } });
    expect(checkKvHistory([lost, read(text("a"))]).ok).toBe(true);
    expect(checkKvHistory([lost, read(null)]).ok).toBe(true);
    expect(checkKvHistory([refused, read(text("z"))]).ok).toBe(false);
  });
});

describe("HistoryRecorder", () => {
  it("HistoryRecorder records conflicts, failures and results with monotonic times, and rethrows", async () => {
    const recorder = new HistoryRecorder();
    const client = recorder.client("c", new MemoryBackend());
    const version = await client.compareAndSet("k", null, bytes("a"));
    await expect(client.compareAndSet("k", null, bytes("b"))).rejects.toMatchObject({
      code: "KVKIT_CONFLICT",
    });
    await expect(client.set("", bytes("c"))).rejects.toMatchObject({ code: "KVKIT_INVALID_KEY" });
    expect(await client.getVersioned("k")).toEqual({ value: bytes("a"), version });
    expect(recorder.operations.map((o) => o.outcome.type)).toEqual([
      "ok",
      "conflict",
      "failed",
      "ok",
    ]);
    expect(recorder.operations[3]?.outcome).toEqual({ type: "ok", value: text("a"), version });
    for (const [i, operation] of recorder.operations.entries()) {
      expect(operation.returned).toBeGreaterThanOrEqual(operation.call);
      if (i > 0)
        expect(operation.call).toBeGreaterThanOrEqual(
          recorder.operations[i - 1]?.returned as number,
        );
    }
  });
});

describe("encodeValue()", () => {
  it("encodeValue() writes UTF-8 as a JSON string and other bytes as hex, never colliding", () => {
    expect(encodeValue(bytes("c1.0"))).toBe('"c1.0"');
    expect(encodeValue(new Uint8Array([0xff, 0x00]))).toBe("0xff00");
    expect(encodeValue(bytes("0xff00"))).toBe('"0xff00"');
    expect(encodeValue(new Uint8Array(0))).toBe('""');
  });
});

import { describe, expect, it } from "vitest";
import {
  checkLinearizability,
  type TimedOperation,
} from "../src/linearizability/check-linearizability.ts";
import {
  type RegisterInput,
  type RegisterOutput,
  registerModel,
} from "../src/linearizability/register-model.ts";

type Op = TimedOperation<RegisterInput, RegisterOutput>;

const read = (client: number, call: number, returned: number, value: string | null): Op => ({
  client,
  call,
  returned,
  input: { kind: "read" },
  output: value,
});
const write = (client: number, call: number, returned: number, value: string): Op => ({
  client,
  call,
  returned,
  input: { kind: "write", value },
  output: true,
});
const cas = (
  client: number,
  call: number,
  returned: number,
  expected: string | null,
  value: string,
  succeeded: boolean,
): Op => ({ client, call, returned, input: { kind: "cas", expected, value }, output: succeeded });
const remove = (client: number, call: number, returned: number, existed: boolean): Op => ({
  client,
  call,
  returned,
  input: { kind: "delete" },
  output: existed,
});

const check = (history: Op[]) => checkLinearizability(history, registerModel);

describe("checkLinearizability() on a register", () => {
  it("checkLinearizability() accepts an empty history", () => {
    expect(check([]).verdict).toBe("linearizable");
  });

  it("checkLinearizability() accepts a sequential history that follows the model", () => {
    const result = check([
      read(1, 0, 1, null),
      write(1, 2, 3, "a"),
      read(2, 4, 5, "a"),
      cas(2, 6, 7, "a", "b", true),
      cas(1, 8, 9, "a", "c", false),
      remove(1, 10, 11, true),
      remove(2, 12, 13, false),
      cas(2, 14, 15, null, "d", true),
    ]);
    expect(result.verdict).toBe("linearizable");
    expect(result.verdict === "linearizable" && result.linearization).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
  });

  it("checkLinearizability() accepts a read overlapping a write that sees either value", () => {
    expect(check([write(1, 0, 10, "a"), read(2, 1, 2, "a")]).verdict).toBe("linearizable");
    expect(check([write(1, 0, 10, "a"), read(2, 1, 2, null)]).verdict).toBe("linearizable");
  });

  it("checkLinearizability() reorders overlapping operations against their call order", () => {
    // b is invoked first but a read that starts after both returned sees a: b took effect first.
    const result = check([write(1, 0, 10, "b"), write(2, 1, 9, "a"), read(3, 11, 12, "a")]);
    expect(result.verdict).toBe("linearizable");
    expect(result.verdict === "linearizable" && result.linearization).toEqual([0, 1, 2]);
  });

  it("checkLinearizability() rejects a stale read after a write returned", () => {
    const result = check([write(1, 0, 1, "a"), read(2, 2, 3, null)]);
    expect(result.verdict).toBe("violation");
  });

  it("checkLinearizability() rejects a read of a value that was overwritten before it began", () => {
    const result = check([write(1, 0, 1, "a"), write(1, 2, 3, "b"), read(2, 4, 5, "a")]);
    expect(result.verdict).toBe("violation");
  });

  it("checkLinearizability() rejects a read of a value nobody wrote", () => {
    expect(check([write(1, 0, 5, "a"), read(2, 1, 2, "z")]).verdict).toBe("violation");
  });

  it("checkLinearizability() rejects two concurrent compare-and-sets from absent that both succeeded", () => {
    // The lost update: both saw the key absent and both writes were acknowledged.
    const result = check([cas(1, 0, 10, null, "a", true), cas(2, 1, 9, null, "b", true)]);
    expect(result.verdict).toBe("violation");
  });

  it("checkLinearizability() rejects a counter where two increments read the same value and both succeeded", () => {
    const result = check([
      write(0, 0, 1, "0"),
      read(1, 2, 3, "0"),
      read(2, 2, 3, "0"),
      cas(1, 4, 6, "0", "1a", true),
      cas(2, 4, 6, "0", "1b", true),
    ]);
    expect(result.verdict).toBe("violation");
  });

  it("checkLinearizability() rejects a compare-and-set that succeeded against the wrong state", () => {
    const result = check([write(1, 0, 1, "a"), write(1, 2, 3, "b"), cas(2, 4, 5, "a", "c", true)]);
    expect(result.verdict).toBe("violation");
  });

  it("checkLinearizability() rejects a compare-and-set that conflicted although its expectation held", () => {
    const result = check([write(1, 0, 1, "a"), cas(2, 2, 3, "a", "b", false)]);
    expect(result.verdict).toBe("violation");
  });

  it("checkLinearizability() rejects a delete that reports a missing key as existing", () => {
    expect(check([remove(1, 0, 1, true)]).verdict).toBe("violation");
    expect(check([write(1, 0, 1, "a"), remove(1, 2, 3, false)]).verdict).toBe("violation");
  });

  it("checkLinearizability() rejects a read that goes back in time between two sequential readers", () => {
    // Each read alone is fine against the concurrent write; together they are not.
    const result = check([write(1, 0, 100, "a"), read(2, 10, 20, "a"), read(3, 30, 40, null)]);
    expect(result.verdict).toBe("violation");
  });

  it("checkLinearizability() treats calls and returns at the same instant as concurrent", () => {
    expect(check([write(1, 0, 5, "a"), read(2, 5, 6, null)]).verdict).toBe("linearizable");
  });

  it("checkLinearizability() lets an operation with an unknown outcome happen or not", () => {
    const lost: Op = {
      client: 1,
      call: 0,
      returned: 1,
      input: { kind: "write", value: "a" },
      unknown: true,
    };
    expect(check([lost, read(2, 5, 6, "a")]).verdict).toBe("linearizable");
    expect(check([lost, read(2, 5, 6, null)]).verdict).toBe("linearizable");
    expect(check([lost, read(2, 5, 6, null), read(2, 7, 8, "a")]).verdict).toBe("linearizable");
    expect(check([lost, read(2, 5, 6, "a"), read(2, 7, 8, null)]).verdict).toBe("violation");
  });

  it("checkLinearizability() does not let an unknown operation take effect before its call", () => {
    const late: Op = {
      client: 1,
      call: 10,
      returned: 11,
      input: { kind: "write", value: "a" },
      unknown: true,
    };
    expect(check([read(2, 0, 1, "a"), late]).verdict).toBe("violation");
  });

  it("checkLinearizability() explains a violation with the longest legal prefix", () => {
    const result = check([write(1, 0, 1, "a"), write(1, 2, 3, "b"), read(2, 4, 5, "a")]);
    if (result.verdict !== "violation") throw new Error("expected a violation");
    expect(result.longestPrefix).toEqual([0, 1]);
    expect(result.explanation).toContain("read -> a");
  });

  it("checkLinearizability() reports inconclusive when the step budget runs out", () => {
    const history = Array.from({ length: 12 }, (_, i) => write(i, 0, 100, `v${i}`));
    history.push(read(99, 200, 201, "nobody"));
    const result = checkLinearizability(history, registerModel, { maxSteps: 50 });
    expect(result.verdict).toBe("inconclusive");
  });

  it("checkLinearizability() rejects a return before the call as a malformed history", () => {
    expect(() => check([write(1, 5, 4, "a")])).toThrow(RangeError);
  });
});

/** A simulated register whose operations take effect at a random instant inside their interval. */
function simulate(seed: number, clients: number, perClient: number, racy: boolean): Op[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  let value: string | null = null;
  let written = 0;
  const ops: Op[] = [];
  const clocks = Array.from({ length: clients }, () => 0);
  const remaining = Array.from({ length: clients }, () => perClient);
  // Pending operations: effect time, then return time; processed as a discrete-event simulation.
  type Pending = {
    client: number;
    call: number;
    effect: number;
    returned: number;
    input: RegisterInput;
    seen: string | null;
  };
  const pending: Pending[] = [];
  const start = (client: number): void => {
    const call = clocks[client] as number;
    const effect = call + random() * 10;
    const returned = effect + random() * 10;
    const roll = random();
    written++;
    const input: RegisterInput =
      roll < 0.4
        ? { kind: "read" }
        : roll < 0.7
          ? { kind: "write", value: `w${written}` }
          : { kind: "cas", expected: value, value: `w${written}` };
    pending.push({ client, call, effect, returned, input, seen: value });
  };
  for (let c = 0; c < clients; c++) start(c);
  while (pending.length > 0) {
    pending.sort((a, b) => a.effect - b.effect);
    const next = pending.shift() as Pending;
    let output: RegisterOutput;
    if (next.input.kind === "read") output = value;
    else if (next.input.kind === "write") {
      value = next.input.value;
      output = true;
    } else if (next.input.kind === "cas") {
      // The racy register compares against what was current at the call, not at the effect.
      const current = racy ? next.seen : value;
      output = current === next.input.expected;
      if (output) value = next.input.value;
    } else throw new Error("unreachable");
    ops.push({
      client: next.client,
      call: next.call,
      returned: next.returned,
      input: next.input,
      output,
    });
    clocks[next.client] = next.returned + random();
    remaining[next.client] = (remaining[next.client] as number) - 1;
    if ((remaining[next.client] as number) > 0) start(next.client);
  }
  return ops;
}

describe("checkLinearizability() on simulated registers", () => {
  it("checkLinearizability() accepts every history of an atomic register (20 seeds, 4 clients x 40 ops)", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const result = check(simulate(seed, 4, 40, false));
      expect(result.verdict, `seed ${seed}`).toBe("linearizable");
    }
  });

  it("checkLinearizability() catches a register whose compare-and-set checks a stale value in 20 of 20 seeds", () => {
    let caught = 0;
    for (let seed = 1; seed <= 20; seed++) {
      if (check(simulate(seed, 4, 40, true)).verdict === "violation") caught++;
    }
    expect(caught).toBe(20);
  });
});

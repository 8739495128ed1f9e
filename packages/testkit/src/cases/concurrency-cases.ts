import {
  type AtomicWriteCapability,
  type Backend,
  type BatchCapability,
  hasCapability,
  isBackendError,
  type Version,
} from "@kvkit/spec";
import fc from "fast-check";
import { expect, it } from "vitest";
import { bytes } from "../bytes.ts";
import { checkKvHistory } from "../linearizability/check-kv-history.ts";
import { HistoryRecorder, type RecordingClient } from "../linearizability/history-recorder.ts";
import type { SuiteContext } from "../suite-context.ts";
import { assertProperty } from "../traits/assert-property.ts";

type AtomicBackend = Backend & AtomicWriteCapability;

/** Contenders and successful increments each, in the counter cases. */
const CONTENDERS = 8;
const INCREMENTS = 25;
/** A contender that needs more attempts than this per increment is stuck (a CAS that always conflicts). */
const MAX_ATTEMPTS_PER_INCREMENT = 200;

const decoder = new TextDecoder();

/**
 * Concurrency: compare-and-set counters with many contenders (exact count, no lost update, no
 * phantom success), the same across instances of a shared store, linearizability of random
 * small histories checked with the testkit's WGL checker, and plain last-writer-wins writes.
 */
export function concurrencyCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const declared = suite.manifest.capabilities;
  const { atomicWrite } = declared;
  const { sharedStore } = suite.manifest;

  it.skipIf(!atomicWrite)(
    `compareAndSet() increments from ${CONTENDERS} contenders x ${INCREMENTS} end at exactly ${CONTENDERS * INCREMENTS}: no lost update, no phantom success`,
    async () => {
      const { backend } = await suite.open();
      await runCounter(Array.from({ length: CONTENDERS }, () => atomic(backend)));
    },
    t,
  );

  it.skipIf(!atomicWrite || !sharedStore)(
    `compareAndSet() increments from ${CONTENDERS} contenders spread over 4 instances of one store end at exactly ${CONTENDERS * INCREMENTS}`,
    async () => {
      const { backend, openAnother } = await suite.open();
      const instances = [backend, await openAnother(), await openAnother(), await openAnother()];
      await runCounter(
        Array.from({ length: CONTENDERS }, (_, i) => atomic(instances[i % 4] as Backend)),
      );
    },
    t,
  );

  it.skipIf(!atomicWrite)(
    "compareAndSet() with null lets exactly one of 8 concurrent creators win",
    async () => {
      const { backend, openAnother } = await suite.open();
      const instances = sharedStore ? [backend, await openAnother()] : [backend];
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, async (_, i) => {
          await pause(i % 3);
          return atomic(instances[i % instances.length] as Backend).compareAndSet(
            "k",
            null,
            bytes(`creator ${i}`),
          );
        }),
      );
      const winners = outcomes.flatMap((outcome, i) => (outcome.status === "fulfilled" ? [i] : []));
      expect(winners, "creators that succeeded").toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === "rejected") {
          expect(outcome.reason).toMatchObject({ code: "KVKIT_CONFLICT" });
        }
      }
      expect(await backend.get("k")).toEqual(bytes(`creator ${winners[0]}`));
    },
    t,
  );

  it.skipIf(!atomicWrite)(
    "commit() transfers between two keys from 6 concurrent contenders keep the total",
    async () => {
      const { backend } = await suite.open();
      const store = atomic(backend);
      await store.commit({
        set: [
          { key: "account/a", value: bytes("100") },
          { key: "account/b", value: bytes("100") },
        ],
      });
      let committed = 0;
      await Promise.all(
        Array.from({ length: 6 }, async (_, contender) => {
          for (let done = 0, attempts = 0; done < 10; attempts++) {
            if (attempts > 10 * MAX_ATTEMPTS_PER_INCREMENT)
              throw new Error("a transfer never committed");
            const [a, b] = await Promise.all([
              store.getVersioned("account/a"),
              store.getVersioned("account/b"),
            ]);
            if (a === undefined || b === undefined) throw new Error("an account disappeared");
            await pause(attempts % 3);
            const amount = contender + 1;
            try {
              await store.commit({
                checks: [
                  { key: "account/a", version: a.version },
                  { key: "account/b", version: b.version },
                ],
                set: [
                  {
                    key: "account/a",
                    value: bytes(String(Number(decoder.decode(a.value)) - amount)),
                  },
                  {
                    key: "account/b",
                    value: bytes(String(Number(decoder.decode(b.value)) + amount)),
                  },
                ],
              });
              done++;
              committed++;
            } catch (error) {
              if (!isBackendError(error, "KVKIT_CONFLICT")) throw error;
            }
          }
        }),
      );
      const a = Number(decoder.decode(await backend.get("account/a")));
      const b = Number(decoder.decode(await backend.get("account/b")));
      expect(committed).toBe(60);
      expect(a + b, "total across both accounts").toBe(200);
      // Every contender moved (contender + 1) ten times.
      expect(a).toBe(100 - 10 * (1 + 2 + 3 + 4 + 5 + 6));
    },
    t,
  );

  it.skipIf(!declared.batch || !suite.manifest.atomicBatch)(
    "setMany() is never seen half-applied by concurrent getMany() readers",
    async () => {
      const { backend } = await suite.open();
      const batch = backend as Backend & BatchCapability;
      await expectNoTornBatch(batch, (round, keys) =>
        batch.setMany(keys.map((key) => ({ key, value: bytes(String(round)) }))),
      );
    },
    t,
  );

  it.skipIf(!atomicWrite || !declared.batch)(
    "commit() is never seen half-applied by concurrent getMany() readers",
    async () => {
      const { backend } = await suite.open();
      const store = atomic(backend) as AtomicBackend & BatchCapability;
      await expectNoTornBatch(store, async (round, keys) => {
        await store.commit({ set: keys.map((key) => ({ key, value: bytes(String(round)) })) });
      });
    },
    t,
  );

  it(
    "concurrent histories of get, set and delete (and compareAndSet where declared) are linearizable",
    async () => {
      const { backend, openAnother } = await suite.open();
      const instances = sharedStore
        ? [backend, await openAnother(), await openAnother()]
        : [backend];
      let run = 0;
      await assertProperty(
        suite,
        fc.asyncProperty(historyPlan(atomicWrite), async (plan) => {
          run++;
          const recorder = new HistoryRecorder();
          await Promise.all(
            plan.map((steps, client) =>
              runClient(
                recorder.client(`c${client}`, instances[client % instances.length] as Backend),
                `r${run}/`,
                `c${client}`,
                steps,
              ),
            ),
          );
          const report = checkKvHistory(recorder.operations);
          expect(report.ok, report.message).toBe(true);
        }),
        Math.max(10, Math.min(suite.propertyRuns, 40)),
      );
    },
    t,
  );

  it(
    "set() from concurrent writers leaves exactly one of the written values, never a mix",
    async () => {
      const { backend, openAnother } = await suite.open();
      const instances = sharedStore ? [backend, await openAnother()] : [backend];
      const size = Math.min(4096, suite.manifest.limits.maxValueBytes);
      const written = Array.from({ length: 8 }, (_, i) => new Uint8Array(size).fill(i + 1));
      const observed: (Uint8Array | undefined)[] = [];
      for (let round = 0; round < 5; round++) {
        const key = `lww/${round}`;
        await Promise.all([
          ...written.map(async (value, i) => {
            await pause((i + round) % 3);
            await (instances[i % instances.length] as Backend).set(key, value);
          }),
          ...Array.from({ length: 4 }, async (_, i) => {
            await pause(i % 3);
            observed.push(await backend.get(key));
          }),
        ]);
        const final = await backend.get(key);
        expect(
          written.some((value) => equalBytes(value, final)),
          `round ${round}: the final value is one of the written ones`,
        ).toBe(true);
      }
      for (const value of observed) {
        if (value === undefined) continue;
        expect(
          written.some((candidate) => equalBytes(candidate, value)),
          "a concurrent read saw a value nobody wrote",
        ).toBe(true);
      }
    },
    t,
  );

  it(
    "set() of 200 distinct keys from concurrent writers stores every one",
    async () => {
      const { backend } = await suite.open();
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          await pause(i % 3);
          await backend.set(`many/${i}`, bytes(String(i)));
        }),
      );
      const values = await Promise.all(
        Array.from({ length: 200 }, (_, i) => backend.get(`many/${i}`)),
      );
      expect(
        values.map((value) => (value === undefined ? undefined : decoder.decode(value))),
      ).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    },
    t,
  );
}

function atomic(backend: Backend): AtomicBackend {
  if (!hasCapability(backend, "atomicWrite")) {
    throw new Error("the manifest declares atomicWrite but the instance's manifest does not");
  }
  return backend;
}

/**
 * Lets other tasks run: 0 does not yield, 1 yields to queued microtasks, 2 to the event loop.
 * Mixing these makes contenders interleave between a read and the write that depends on it.
 */
async function pause(kind: number): Promise<void> {
  if (kind === 1) await Promise.resolve();
  else if (kind >= 2) await new Promise<void>((resolve) => setImmediate(resolve));
}

function equalBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * Read-version / compare-and-set / retry increments of one counter. Checks the final count,
 * that every success saw a distinct previous value (no lost update) and got a distinct
 * version, and that the number of successes equals the final value (no phantom success).
 */
async function runCounter(contenders: readonly AtomicBackend[]): Promise<void> {
  const successes: { previous: number; version: Version }[] = [];
  let conflicts = 0;
  await Promise.all(
    contenders.map(async (store, contender) => {
      for (let done = 0, attempts = 0; done < INCREMENTS; attempts++) {
        if (attempts > INCREMENTS * MAX_ATTEMPTS_PER_INCREMENT) {
          throw new Error(`contender ${contender} made no progress in ${attempts} attempts`);
        }
        const current = await store.getVersioned("counter");
        const previous = current === undefined ? 0 : Number(decoder.decode(current.value));
        await pause((attempts + contender) % 3);
        try {
          const version = await store.compareAndSet(
            "counter",
            current?.version ?? null,
            bytes(String(previous + 1)),
          );
          successes.push({ previous, version });
          done++;
        } catch (error) {
          if (!isBackendError(error, "KVKIT_CONFLICT")) throw error;
          conflicts++;
        }
      }
    }),
  );
  const total = contenders.length * INCREMENTS;
  const final = await (contenders[0] as AtomicBackend).getVersioned("counter");
  const previous = successes.map((success) => success.previous).sort((a, b) => a - b);
  const lost = previous.length - new Set(previous).size;
  expect(
    lost,
    `lost updates (successes that saw an already-incremented value; ${conflicts} conflicts)`,
  ).toBe(0);
  expect(new Set(successes.map((s) => s.version)).size, "distinct versions of successes").toBe(
    successes.length,
  );
  expect(final && Number(decoder.decode(final.value)), "final count").toBe(total);
  expect(successes.length, "acknowledged increments").toBe(total);
  expect(previous, "every value from 0 was incremented exactly once").toEqual(
    Array.from({ length: total }, (_, i) => i),
  );
  expect(
    successes.map((s) => s.version),
    "the last success's version is current",
  ).toContain(final?.version);
}

/**
 * Writes 30 rounds of one batch over 8 keys (every key gets the round number) while 3 readers
 * read all 8 keys with getMany(): every read must show one round on every key, or no key set.
 */
async function expectNoTornBatch(
  store: Backend & BatchCapability,
  write: (round: number, keys: readonly string[]) => Promise<void>,
): Promise<void> {
  const keys = Array.from({ length: 8 }, (_, i) => `batch/${i}`);
  let writing = true;
  const torn: string[] = [];
  let reads = 0;
  const reader = async (id: number): Promise<void> => {
    while (writing) {
      const values = await store.getMany(keys);
      reads++;
      const seen = new Set(
        values.map((value) => (value === undefined ? "-" : decoder.decode(value))),
      );
      if (seen.size > 1) torn.push([...seen].join(","));
      await pause((reads + id) % 3);
    }
  };
  const readers = [reader(0), reader(1), reader(2)];
  try {
    for (let round = 1; round <= 30; round++) {
      await write(round, keys);
      await pause(round % 3);
    }
  } finally {
    writing = false;
    await Promise.all(readers);
  }
  expect(torn, `reads that mixed rounds (of ${reads} reads)`).toEqual([]);
  const final = await store.getMany(keys);
  expect(final.map((value) => value && decoder.decode(value))).toEqual(keys.map(() => "30"));
}

/** One step of a client in a random history: an operation on key 0 or 1, then a pause. */
interface Step {
  readonly op: "get" | "set" | "delete" | "cas" | "getVersioned";
  readonly key: 0 | 1;
  readonly pause: number;
}

/** 2 to 4 clients with 3 to 8 steps each. */
function historyPlan(withCas: boolean): fc.Arbitrary<Step[][]> {
  const ops: Step["op"][] = withCas
    ? ["get", "set", "delete", "cas", "getVersioned", "cas"]
    : ["get", "set", "delete"];
  const step = fc.record({
    op: fc.constantFrom(...ops),
    key: fc.constantFrom<0 | 1>(0, 1),
    pause: fc.integer({ min: 0, max: 2 }),
  });
  return fc.array(fc.array(step, { minLength: 3, maxLength: 8 }), { minLength: 2, maxLength: 4 });
}

/**
 * Runs one client's steps in order. Every write has a unique value; a compare-and-set expects
 * the last version this client saw for the key (or absence), so versions always come from the
 * recorded history.
 */
async function runClient(
  client: RecordingClient,
  keyPrefix: string,
  name: string,
  steps: readonly Step[],
): Promise<void> {
  const seen = new Map<string, Version | null>();
  for (const [index, step] of steps.entries()) {
    const key = `${keyPrefix}${step.key}`;
    const value = bytes(`${name}.${index}`);
    switch (step.op) {
      case "get":
        await client.get(key);
        break;
      case "set":
        await client.set(key, value);
        break;
      case "delete":
        await client.delete(key);
        break;
      case "getVersioned": {
        const entry = await client.getVersioned(key);
        seen.set(key, entry?.version ?? null);
        break;
      }
      case "cas":
        try {
          seen.set(key, await client.compareAndSet(key, seen.get(key) ?? null, value));
        } catch (error) {
          if (!isBackendError(error, "KVKIT_CONFLICT")) throw error;
        }
        break;
    }
    await pause(step.pause);
  }
}

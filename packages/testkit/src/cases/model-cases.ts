import { type Backend, type BatchCapability, compareKeys, type ListOptions } from "@kvkit/spec";
import fc from "fast-check";
import { expect, it } from "vitest";
import type { SuiteContext } from "../suite-context.ts";
import { assertProperty } from "../traits/assert-property.ts";
import { expectKeys } from "../traits/expect-keys.ts";
import { listKeys } from "../traits/list-keys.ts";
import { sortByBytes } from "../traits/sort-by-bytes.ts";

/** The oracle: a plain Map, far simpler than any backend. */
interface Model {
  readonly entries: Map<string, Uint8Array>;
}

interface Real {
  readonly backend: Backend;
  readonly batch: (Backend & BatchCapability) | undefined;
}

type KvCommand = fc.AsyncCommand<Model, Real>;

/** Few keys that share prefixes, so sequences overwrite, delete and list the same keys. */
const KEYS = [
  "a",
  "ab",
  "a/b",
  "b",
  "b/a",
  "A",
  "é",
  "e\u0301",
  "😀",
  "\u0000",
  "__proto__",
  "%_*",
];
const PREFIXES = ["", "a", "a/", "b", "e", "%", "x"];

const keyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 3 }) },
);
const valueArb = fc.uint8Array({ maxLength: 8 });
const show = (key: string): string => JSON.stringify(key);
const showBytes = (value: Uint8Array): string => `[${[...value].join(",")}]`;

/** A command of the sequence: `label` is what a counterexample prints. */
function command(label: string, run: (model: Model, real: Real) => Promise<void>): KvCommand {
  return { check: () => true, run, toString: () => label };
}

function setCommand(key: string, value: Uint8Array): KvCommand {
  return command(`set(${show(key)}, ${showBytes(value)})`, async (model, real) => {
    await real.backend.set(key, value);
    model.entries.set(key, new Uint8Array(value));
  });
}

function getCommand(key: string): KvCommand {
  const label = `get(${show(key)})`;
  return command(label, async (model, real) => {
    expect(await real.backend.get(key), label).toEqual(model.entries.get(key));
  });
}

function hasCommand(key: string): KvCommand {
  const label = `has(${show(key)})`;
  return command(label, async (model, real) => {
    expect(await real.backend.has(key), label).toBe(model.entries.has(key));
  });
}

function deleteCommand(key: string): KvCommand {
  const label = `delete(${show(key)})`;
  return command(label, async (model, real) => {
    expect(await real.backend.delete(key), label).toBe(model.entries.delete(key));
  });
}

function listCommand(prefix: string, ordered: boolean): KvCommand {
  return command(`list({ prefix: ${show(prefix)} })`, async (model, real) => {
    const expected = sortByBytes([...model.entries.keys()].filter((key) => key.startsWith(prefix)));
    expectKeys(await listKeys(real.backend, { prefix }), expected, ordered);
  });
}

function listRangeCommand(options: ListOptions, ordered: boolean): KvCommand {
  return command(`list(${JSON.stringify(options)})`, async (model, real) => {
    const { prefix = "", start, end, limit, reverse = false } = options;
    const matching = sortByBytes(
      [...model.entries.keys()].filter(
        (key) =>
          key.startsWith(prefix) &&
          (start === undefined || compareKeys(key, start) >= 0) &&
          (end === undefined || compareKeys(key, end) < 0),
      ),
    );
    if (reverse) matching.reverse();
    const listed = await listKeys(real.backend, options);
    if (ordered) {
      expect(listed, `list(${JSON.stringify(options)})`).toEqual(matching.slice(0, limit));
      return;
    }
    // Unordered: any `limit` of the matching keys, each once.
    expect(new Set(listed).size).toBe(listed.length);
    for (const key of listed) expect(matching).toContain(key);
    expect(listed).toHaveLength(
      limit === undefined ? matching.length : Math.min(limit, matching.length),
    );
  });
}

function getManyCommand(keys: readonly string[]): KvCommand {
  const label = `getMany([${keys.map(show).join(", ")}])`;
  return command(label, async (model, real) => {
    const values = await batchOf(real).getMany(keys);
    expect(values, label).toEqual(keys.map((key) => model.entries.get(key)));
  });
}

function setManyCommand(entries: readonly (readonly [string, Uint8Array])[]): KvCommand {
  const shown = entries.map(([key, value]) => `{ key: ${show(key)}, value: ${showBytes(value)} }`);
  return command(`setMany([${shown.join(", ")}])`, async (model, real) => {
    await batchOf(real).setMany(entries.map(([key, value]) => ({ key, value })));
    for (const [key, value] of entries) model.entries.set(key, new Uint8Array(value));
  });
}

function deleteManyCommand(keys: readonly string[]): KvCommand {
  const label = `deleteMany([${keys.map(show).join(", ")}])`;
  return command(label, async (model, real) => {
    const existed = new Set(keys.filter((key) => model.entries.has(key))).size;
    expect(await batchOf(real).deleteMany(keys), label).toBe(existed);
    for (const key of keys) model.entries.delete(key);
  });
}

function batchOf(real: Real): Backend & BatchCapability {
  if (real.batch === undefined)
    throw new Error("batch command generated without the batch capability");
  return real.batch;
}

/**
 * Model-based test (C1): random command sequences against a `Map`, every result checked,
 * failures shrunk and printed with the seed and path that replay them.
 */
export function modelCases(suite: SuiteContext): void {
  const ordered = suite.manifest.orderedList;
  const withBatch = suite.manifest.capabilities.batch;
  const maxBatch = Math.min(6, suite.manifest.limits.maxBatchSize);

  const commandArbs: fc.Arbitrary<KvCommand>[] = [
    fc.tuple(keyArb, valueArb).map(([key, value]) => setCommand(key, value)),
    keyArb.map((key) => getCommand(key)),
    keyArb.map((key) => hasCommand(key)),
    keyArb.map((key) => deleteCommand(key)),
    fc.constantFrom(...PREFIXES).map((prefix) => listCommand(prefix, ordered)),
    fc
      .record(
        {
          prefix: fc.constantFrom(...PREFIXES),
          start: keyArb,
          end: keyArb,
          limit: fc.nat({ max: 5 }),
          reverse: fc.boolean(),
        },
        { requiredKeys: [] },
      )
      .map(({ reverse, ...rest }) =>
        listRangeCommand(ordered ? { ...rest, reverse } : rest, ordered),
      ),
  ];
  if (withBatch) {
    commandArbs.push(
      fc.array(keyArb, { maxLength: maxBatch }).map((keys) => getManyCommand(keys)),
      fc
        .array(fc.tuple(keyArb, valueArb), { maxLength: maxBatch })
        .map((entries) => setManyCommand(entries)),
      fc.array(keyArb, { maxLength: maxBatch }).map((keys) => deleteManyCommand(keys)),
    );
  }

  const names = withBatch
    ? "set/get/has/delete/list/getMany/setMany/deleteMany"
    : "set/get/has/delete/list";
  it(
    `${names} sequences behave like a reference Map (model-based, ${suite.propertyRuns} runs)`,
    async () => {
      const replayPath = process.env.KVKIT_TESTKIT_REPLAY_PATH;
      const commands = fc.commands(commandArbs, {
        maxCommands: 40,
        ...(replayPath === undefined || replayPath === "" ? {} : { replayPath }),
      });
      await assertProperty(
        suite,
        fc.asyncProperty(commands, async (sequence) => {
          const { backend } = await suite.open();
          const batch = withBatch ? (backend as Backend & BatchCapability) : undefined;
          const setup = () => ({
            model: { entries: new Map<string, Uint8Array>() },
            real: { backend, batch },
          });
          try {
            await fc.asyncModelRun(setup, sequence);
          } finally {
            await backend.close();
          }
        }),
      );
    },
    Math.max(suite.timeoutMs, 60_000),
  );
}

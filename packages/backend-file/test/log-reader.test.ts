import { randomBytes } from "node:crypto";
import { appendFileSync, closeSync, openSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeCommitBody,
  type EncodedOp,
  encodeCommit,
  encodeCommitRecord,
  encodeFileHeader,
  FILE_HEADER_BYTES,
  RECORD_HEADER_BYTES,
  recordChecksum,
} from "../src/log-format.ts";
import { LogReader } from "../src/log-reader.ts";

let root: string;
let count = 0;
const marker = randomBytes(8);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kvkit-file-reader-"));
});

afterAll(() => rm(root, { recursive: true, force: true }));

function record(key: string, size = 8): Buffer {
  const id = randomBytes(16);
  return encodeCommitRecord(marker, {
    id,
    now: 0,
    checks: [],
    ops: [{ type: "set", key, value: new Uint8Array(size).fill(7), expiresAt: 0 }],
  });
}

/** A log file with these bytes after the header, and a reader over it. */
function logWith(...parts: Buffer[]): {
  path: string;
  reader: LogReader;
  /** Keys of the records handed over since the last call. */
  read: () => string[];
  /** Every damaged record reported so far. */
  damaged: { recordStart: number; recordBytes: number }[];
  close: () => void;
} {
  count++;
  const damaged: { recordStart: number; recordBytes: number }[] = [];
  const path = join(root, `log-${count}`);
  writeFileSync(path, Buffer.concat([encodeFileHeader(marker), ...parts]));
  const fd = openSync(path, "r");
  const reader = new LogReader(fd, marker, FILE_HEADER_BYTES);
  return {
    path,
    reader,
    read: () => {
      const keys: string[] = [];
      reader.catchUp(
        (body) => {
          const commit = decodeCommitBody(body);
          for (const op of commit?.ops ?? []) keys.push(op.key);
          return true;
        },
        (recordStart, recordBytes) => damaged.push({ recordStart, recordBytes }),
      );
      return keys;
    },
    damaged,
    close: () => closeSync(fd),
  };
}

describe("LogReader", () => {
  it("catchUp() hands over each complete record once, in file order", () => {
    const log = logWith(record("a"), record("b"));
    expect(log.read()).toEqual(["a", "b"]);
    expect(log.read()).toEqual([]);
    appendFileSync(log.path, record("c"));
    expect(log.read()).toEqual(["c"]);
    log.close();
  });

  it("catchUp() waits at an incomplete last record and reads it once it is complete", () => {
    const whole = record("a", 10_000);
    const log = logWith(whole.subarray(0, 5000));
    expect(log.read()).toEqual([]);
    appendFileSync(log.path, whole.subarray(5000));
    expect(log.read()).toEqual(["a"]);
    log.close();
  });

  it("catchUp() skips a torn record once a valid record follows it", () => {
    const torn = record("torn", 10_000).subarray(0, 4000);
    const log = logWith(record("a"), torn);
    expect(log.read()).toEqual(["a"]);
    appendFileSync(log.path, record("b"));
    expect(log.read()).toEqual(["b"]);
    log.close();
  });

  it("catchUp() does not report a torn record as damaged", () => {
    const torn = record("torn", 10_000).subarray(0, 4000);
    const log = logWith(record("a"), torn, record("b"));
    expect(log.read()).toEqual(["a", "b"]);
    expect(log.damaged).toEqual([]);
    log.close();
  });

  // A whole record that rotted on disk: its marker and length are intact and the next record
  // starts exactly where it claims to end, which a torn record's next record never does.
  for (const [where, at] of [
    ["its body", (bad: Buffer) => bad.length - 1],
    ["its checksum field", () => 12],
  ] as const) {
    it(`catchUp() reports and skips a whole record with a flipped byte in ${where}, and hands over the records after it`, () => {
      const damaged = record("bad", 100);
      damaged.writeUInt8((damaged[at(damaged)] as number) ^ 0xff, at(damaged));
      const log = logWith(record("a"), damaged, record("good"), record("later"));
      expect(log.read()).toEqual(["a", "good", "later"]);
      expect(log.damaged).toEqual([
        { recordStart: FILE_HEADER_BYTES + record("a").length, recordBytes: damaged.length },
      ]);
      expect(log.read()).toEqual([]);
      expect(log.damaged).toHaveLength(1);
      log.close();
    });
  }

  it("catchUp() reports a damaged record when the log is larger than one read", () => {
    const damaged = record("bad", 100);
    damaged.writeUInt8((damaged.at(-1) ?? 0) ^ 0xff, damaged.length - 1);
    const log = logWith(record("a"), damaged, record("large", 5 * 1024 * 1024));
    expect(log.read()).toEqual(["a", "large"]);
    expect(log.damaged).toHaveLength(1);
    log.close();
  });

  it("catchUp() waits at a damaged last record, and reports it once a record is appended after it", () => {
    const damaged = record("bad", 100);
    damaged.writeUInt8((damaged.at(-1) ?? 0) ^ 0xff, damaged.length - 1);
    const log = logWith(record("a"), damaged);
    expect(log.read()).toEqual(["a"]);
    expect(log.damaged).toEqual([]);
    const waitingAt = log.reader.position;
    appendFileSync(log.path, record("b"));
    expect(log.read()).toEqual(["b"]);
    expect(log.damaged).toEqual([{ recordStart: waitingAt, recordBytes: damaged.length }]);
    log.close();
  });

  it("catchUp() skips a record whose length field rotted as torn, without reporting it (they cannot be told apart)", () => {
    const damaged = record("bad", 100);
    damaged.writeUInt32LE(damaged.readUInt32LE(8) + 40, 8);
    const log = logWith(damaged, record("good"), record("later"));
    expect(log.read()).toEqual(["good", "later"]);
    expect(log.damaged).toEqual([]);
    log.close();
  });

  it("catchUp() skips a whole record whose bytes are zero from a sector boundary to its end as torn (a write whose last sectors were lost), without reporting it", () => {
    // As a failed fdatasync leaves it once the pages are dropped: marker and length on disk,
    // the sectors after them read back as zeros (seen on ext2 with 1 KiB blocks).
    const lost = record("lost", 3000);
    const lostFrom = 1024 - FILE_HEADER_BYTES;
    lost.fill(0, lostFrom);
    const log = logWith(lost, record("after"));
    expect(log.read()).toEqual(["after"]);
    expect(log.damaged).toEqual([]);
    log.close();
  });

  it("catchUp() skips a record whose marker rotted as torn, without reporting it", () => {
    const damaged = record("bad", 100);
    damaged.writeUInt8((damaged[0] as number) ^ 0xff, 0);
    const log = logWith(damaged, record("good"));
    expect(log.read()).toEqual(["good"]);
    expect(log.damaged).toEqual([]);
    log.close();
  });

  it("catchUp() ignores a copy of a record made with another store's marker", () => {
    const foreign = encodeCommitRecord(randomBytes(8), {
      id: randomBytes(16),
      now: 0,
      checks: [],
      ops: [{ type: "delete", key: "foreign" }],
    });
    const log = logWith(foreign, record("own"));
    expect(log.read()).toEqual(["own"]);
    log.close();
  });

  it("skipOwnAppend() hands over the caller's own append unread, and nothing else", () => {
    const log = logWith(record("a"));
    expect(log.read()).toEqual(["a"]);
    const own = record("own");
    const start = log.reader.position;
    appendFileSync(log.path, own);
    expect(log.reader.skipOwnAppend(start, own.length)).toBe(true);
    expect(log.reader.position).toBe(start + own.length);
    expect(log.read()).toEqual([]);

    // Another writer's record before ours: it must be read, so nothing is skipped.
    const next = log.reader.position;
    appendFileSync(log.path, record("other"));
    appendFileSync(log.path, own);
    expect(log.reader.skipOwnAppend(next, own.length)).toBe(false);
    expect(log.read()).toEqual(["other", "own"]);

    // Another writer's record after ours: the same.
    const last = log.reader.position;
    appendFileSync(log.path, own);
    appendFileSync(log.path, record("later"));
    expect(log.reader.skipOwnAppend(last, own.length)).toBe(false);
    expect(log.read()).toEqual(["own", "later"]);
    log.close();
  });

  it("skipOwnAppend() declines while the reader waits at an incomplete record", () => {
    const whole = record("a", 10_000);
    const log = logWith(whole.subarray(0, 5000));
    expect(log.read()).toEqual([]);
    const own = record("own");
    const start = log.reader.position;
    appendFileSync(log.path, own);
    expect(log.reader.skipOwnAppend(start, own.length)).toBe(false);
    log.close();
  });
});

describe("encodeCommit()", () => {
  const version = fc.oneof(
    fc.constant(null),
    fc.stringMatching(/^[0-9a-f]{32}$/),
    fc.string({ maxLength: 40 }),
  );
  const key = fc.string({ minLength: 1, maxLength: 20, unit: "grapheme" });
  const op: fc.Arbitrary<EncodedOp> = fc.oneof(
    fc.record({
      type: fc.constant("set" as const),
      key,
      value: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 2100 })),
      expiresAt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 48 })),
    }),
    fc.record({ type: fc.constant("delete" as const), key }),
  );

  it("returns exactly what decoding its record reads back, checksummed as zlib does (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.double({ noNaN: true }),
        fc.array(fc.record({ key, version })),
        fc.array(op, { maxLength: 8 }),
        (id, now, checks, ops) => {
          const { bytes, ...decoded } = encodeCommit(marker, { id, now, checks, ops });
          expect(bytes).toEqual(encodeCommitRecord(marker, { id, now, checks, ops }));
          const body = bytes.subarray(RECORD_HEADER_BYTES);
          expect(bytes.readUInt32LE(12)).toBe(recordChecksum(marker, bytes.subarray(8, 12), body));
          const readBack = decodeCommitBody(body);
          expect({ kind: "commit", ...decoded }).toEqual(readBack);
        },
      ),
      { numRuns: 500 },
    );
  });
});

import { crc32 } from "node:zlib";

/** The name of the log file of one generation inside the store directory. */
export function logFileName(generation: number): string {
  return `kvkit.${generation}.log`;
}

/** Matches log file names; group 1 is the generation. */
export const LOG_NAME: RegExp = /^kvkit\.(\d{1,9})\.log$/;

/** The name of the first generation's log. */
export const LOG_FILE_NAME: string = logFileName(0);

/** Bumped on every incompatible change of the layout below; a later release migrates from it. */
export const FORMAT_VERSION = 1;

/** `KVKITLOG` in ASCII: the first 8 bytes of every log file. */
export const FILE_MAGIC: Buffer = Buffer.from("KVKITLOG", "latin1");

/** Bytes of the file header: magic, version, header length, marker, generation, reserved. */
export const FILE_HEADER_BYTES = 32;

/** Bytes before a record's body: marker, body length, checksum. */
export const RECORD_HEADER_BYTES = 16;

/** Bytes of the random per-store marker that starts every record. */
export const MARKER_BYTES = 8;

/** Bytes of a record id: writer id (8 random bytes) and sequence number (8 bytes). */
export const RECORD_ID_BYTES = 16;

/** Record kinds: a commit of checks, sets and deletes. */
export const RECORD_KIND_COMMIT = 1;
/** Record kinds: the end of a generation; records after it are void. */
export const RECORD_KIND_SEAL = 2;
/** Record kinds: one live key carried into a new generation by compaction. */
export const RECORD_KIND_SNAPSHOT = 3;

/** Operation kinds inside a commit record. */
export const OP_SET = 1;
export const OP_DELETE = 2;

/** A record body larger than this is treated as damage, not as a record. */
export const MAX_RECORD_BODY_BYTES = 0x7fff_ffff;

/** A version precondition inside a commit record; `version` is `null` for "absent". */
export interface EncodedCheck {
  readonly key: string;
  readonly version: string | null;
}

/** A write inside a commit record; `expiresAt` is epoch ms, 0 for no expiry. */
export type EncodedOp =
  | {
      readonly type: "set";
      readonly key: string;
      readonly value: Uint8Array;
      readonly expiresAt: number;
    }
  | { readonly type: "delete"; readonly key: string };

/** Everything a commit record carries. */
export interface CommitRecord {
  /** 16 bytes: writer id and sequence number; its hex form is the version of every key it sets. */
  readonly id: Uint8Array;
  /** The writer's clock when it wrote the record: expiry in the checks is judged at this time. */
  readonly now: number;
  readonly checks: readonly EncodedCheck[];
  readonly ops: readonly EncodedOp[];
}

/** Stands for a version token this store never issued; equal to no real version. */
export const UNMATCHABLE_VERSION = "-";

/** Whether `version` has the shape of a version this store issues (32 lower-case hex digits). */
export function isRecordVersion(version: string): boolean {
  return /^[0-9a-f]{32}$/.test(version);
}

/** Builds the 32-byte file header of one generation of a store with this record marker. */
export function encodeFileHeader(marker: Uint8Array, generation = 0): Buffer {
  const header = Buffer.alloc(FILE_HEADER_BYTES);
  FILE_MAGIC.copy(header, 0);
  header.writeUInt32LE(FORMAT_VERSION, 8);
  header.writeUInt32LE(FILE_HEADER_BYTES, 12);
  header.set(marker, 16);
  header.writeUInt32LE(generation, 24);
  return header;
}

/** What a valid file header says. */
export interface FileHeader {
  readonly version: number;
  readonly headerBytes: number;
  readonly marker: Buffer;
  readonly generation: number;
}

/** Parses a file header, or returns a sentence saying what is wrong with it. */
export function decodeFileHeader(bytes: Buffer): FileHeader | string {
  if (bytes.length < FILE_HEADER_BYTES) return "the log file is shorter than its header";
  if (!bytes.subarray(0, 8).equals(FILE_MAGIC)) return "the log file does not start with KVKITLOG";
  const version = bytes.readUInt32LE(8);
  if (version !== FORMAT_VERSION) {
    return `the log has format version ${version}; this release reads version ${FORMAT_VERSION}`;
  }
  const headerBytes = bytes.readUInt32LE(12);
  if (headerBytes < FILE_HEADER_BYTES) return "the log header length is invalid";
  return {
    version,
    headerBytes,
    marker: Buffer.from(bytes.subarray(16, 24)),
    generation: bytes.readUInt32LE(24),
  };
}

/**
 * The checksum of a record: CRC-32 over the marker, the length field and the body (not over
 * the checksum field itself).
 */
export function recordChecksum(marker: Uint8Array, length: Uint8Array, body: Uint8Array): number {
  return crc32(body, crc32(length, markerChecksum(marker)));
}

/**
 * Whether `record` (header and body, as read back from the log) is the complete record it
 * claims to be: this store's marker, a length field that matches, and a matching checksum.
 */
export function isIntactRecord(marker: Uint8Array, record: Buffer): boolean {
  if (record.length < RECORD_HEADER_BYTES) return false;
  if (record.compare(marker, 0, marker.length, 0, marker.length) !== 0) return false;
  if (record.readUInt32LE(8) !== record.length - RECORD_HEADER_BYTES) return false;
  const checksum = recordChecksum(
    marker,
    record.subarray(8, 12),
    record.subarray(RECORD_HEADER_BYTES),
  );
  return checksum === record.readUInt32LE(12);
}

/**
 * CRC-32 of `bytes[start..end)`, as zlib computes it but as a signed 32-bit integer. A value's
 * checksum is taken from bytes whose record checksum matched, and every read of the value
 * compares its bytes with it.
 */
export function valueChecksum(bytes: Uint8Array, start: number, end: number): number {
  // Signed, V8 keeps it in the index entry as a small integer; unsigned, half of all
  // checksums needed a heap number each (measured: 24 rather than 8 more bytes per key).
  return (
    (end - start <= SMALL_BODY_BYTES
      ? crc32In(bytes, start, end, 0)
      : crc32(bytes.subarray(start, end))) | 0
  );
}

let lastMarker: Uint8Array | undefined;
let lastMarkerChecksum = 0;

/** CRC-32 of a marker; a store's marker never changes, so the last one is remembered. */
function markerChecksum(marker: Uint8Array): number {
  if (marker !== lastMarker) {
    lastMarkerChecksum = crc32(marker);
    lastMarker = marker;
  }
  return lastMarkerChecksum;
}

/** Serialises a commit into a complete record (header and body), ready to append. */
export function encodeCommitRecord(marker: Uint8Array, record: CommitRecord): Buffer {
  return encodeCommit(marker, record).bytes;
}

/**
 * A commit record ready to append (`bytes`), with what replaying it reads back: the other
 * fields equal what {@link decodeCommitBody} makes of the record's body.
 */
export interface EncodedCommit extends DecodedCommit {
  readonly bytes: Buffer;
}

/**
 * Serialises a commit like {@link encodeCommitRecord} and also returns its decoded form, so a
 * writer that knows its record landed can apply it without reading it back.
 */
export function encodeCommit(marker: Uint8Array, record: CommitRecord): EncodedCommit {
  const { checks, ops } = record;
  // Plain loops and byte lengths measured up front: this runs once per write, on the path
  // between one group's fsync and the next group's append.
  let size = 1 + RECORD_ID_BYTES + 8 + 4 + 4;
  let unmatchable = false;
  for (const check of checks) {
    size += 4 + Buffer.byteLength(check.key, "utf8") + 1;
    if (check.version === null) continue;
    if (isRecordVersion(check.version)) size += RECORD_ID_BYTES;
    else unmatchable = true;
  }
  for (const op of ops) {
    size += 1 + 4 + Buffer.byteLength(op.key, "utf8");
    if (op.type === "set") size += 8 + 4 + op.value.byteLength;
  }
  const buffer = Buffer.allocUnsafe(RECORD_HEADER_BYTES + size);
  buffer.set(marker, 0);
  buffer.writeUInt32LE(size, 8);
  let at = RECORD_HEADER_BYTES;
  buffer[at++] = RECORD_KIND_COMMIT;
  buffer.set(record.id, at);
  const version = buffer.toString("hex", at, at + RECORD_ID_BYTES);
  at += RECORD_ID_BYTES;
  at = buffer.writeDoubleLE(record.now, at);
  at = buffer.writeUInt32LE(checks.length, at);
  for (const check of checks) {
    at = writeKey(buffer, at, check.key);
    if (check.version === null) {
      buffer[at++] = 0;
    } else if (isRecordVersion(check.version)) {
      buffer[at++] = 1;
      at += buffer.write(check.version, at, RECORD_ID_BYTES, "hex");
    } else {
      // A token this store never issued: the check can only fail.
      buffer[at++] = 2;
    }
  }
  at = buffer.writeUInt32LE(ops.length, at);
  const decodedOps: DecodedOp[] = [];
  for (const op of ops) {
    buffer[at++] = op.type === "set" ? OP_SET : OP_DELETE;
    at = writeKey(buffer, at, op.key);
    if (op.type === "set") {
      at = buffer.writeDoubleLE(op.expiresAt, at);
      at = writeBytes(buffer, at, op.value);
      const valueBytes = op.value.byteLength;
      decodedOps.push({
        type: "set",
        key: op.key,
        expiresAt: op.expiresAt,
        valueAt: at - valueBytes,
        valueBytes,
      });
    } else {
      decodedOps.push(op);
    }
  }
  // recordChecksum(), computed in place: a small record costs less here than through views.
  const lengthChecksum = crc32In(buffer, 8, 12, markerChecksum(marker));
  const checksum =
    size <= SMALL_BODY_BYTES
      ? crc32In(buffer, RECORD_HEADER_BYTES, buffer.length, lengthChecksum)
      : crc32(buffer.subarray(RECORD_HEADER_BYTES), lengthChecksum);
  buffer.writeUInt32LE(checksum, 12);
  return {
    bytes: buffer,
    version,
    now: record.now,
    checks: unmatchable ? checks.map(decodedCheck) : checks,
    ops: decodedOps,
  };
}

/** Bodies up to this size are checksummed in JavaScript; zlib is faster beyond. */
const SMALL_BODY_BYTES = 1024;

/**
 * CRC-32 lookup tables for eight bytes at a time (the reflected polynomial 0xEDB88320 of
 * zlib's `crc32`): table `t` at `256 * t` advances a byte that is followed by `t` more.
 */
const CRC_TABLES = new Int32Array(256 * 8);
for (let byte = 0; byte < 256; byte++) {
  let c = byte;
  for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLES[byte] = c;
}
for (let at = 256; at < CRC_TABLES.length; at++) {
  const previous = CRC_TABLES[at - 256] as number;
  CRC_TABLES[at] = (previous >>> 8) ^ (CRC_TABLES[previous & 0xff] as number);
}

/** zlib's `crc32(bytes.subarray(start, end), previous)`, without making the view. */
function crc32In(bytes: Uint8Array, start: number, end: number, previous: number): number {
  const t = CRC_TABLES;
  let c = ~previous;
  let at = start;
  for (; at + 8 <= end; at += 8) {
    const first =
      c ^
      ((bytes[at] as number) |
        ((bytes[at + 1] as number) << 8) |
        ((bytes[at + 2] as number) << 16) |
        ((bytes[at + 3] as number) << 24));
    c =
      (t[1792 + (first & 0xff)] as number) ^
      (t[1536 + ((first >>> 8) & 0xff)] as number) ^
      (t[1280 + ((first >>> 16) & 0xff)] as number) ^
      (t[1024 + (first >>> 24)] as number) ^
      (t[768 + (bytes[at + 4] as number)] as number) ^
      (t[512 + (bytes[at + 5] as number)] as number) ^
      (t[256 + (bytes[at + 6] as number)] as number) ^
      (t[bytes[at + 7] as number] as number);
  }
  for (; at < end; at++) c = (t[(c ^ (bytes[at] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** A check as decoding reads it back: a token this store never issued becomes unmatchable. */
function decodedCheck(check: EncodedCheck): EncodedCheck {
  return check.version === null || isRecordVersion(check.version)
    ? check
    : { key: check.key, version: UNMATCHABLE_VERSION };
}

/** Writes a key's UTF-8 length and bytes at `at`; returns the offset after them. */
function writeKey(buffer: Buffer, at: number, key: string): number {
  const written = buffer.write(key, at + 4, "utf8");
  buffer.writeUInt32LE(written, at);
  return at + 4 + written;
}

/** A record that ends its generation: `now` is the sealing writer's clock. */
export function encodeSealRecord(marker: Uint8Array, id: Uint8Array, now: number): Buffer {
  const body = Buffer.alloc(1 + RECORD_ID_BYTES + 8);
  body.writeUInt8(RECORD_KIND_SEAL, 0);
  body.set(id, 1);
  body.writeDoubleLE(now, 1 + RECORD_ID_BYTES);
  return frame(marker, body);
}

/** One live key as compaction writes it into the next generation, with its version. */
export interface SnapshotEntry {
  readonly version: string;
  /** The log's clock floor at the seal (see the README): replay resumes from it. */
  readonly now: number;
  readonly key: string;
  readonly expiresAt: number;
  readonly value: Uint8Array;
}

/** Serialises a snapshot entry into a complete record. */
export function encodeSnapshotRecord(marker: Uint8Array, entry: SnapshotEntry): Buffer {
  const key = Buffer.from(entry.key, "utf8");
  const body = Buffer.allocUnsafe(
    1 + RECORD_ID_BYTES + 8 + 4 + key.length + 8 + 4 + entry.value.byteLength,
  );
  let at = body.writeUInt8(RECORD_KIND_SNAPSHOT, 0);
  at += body.write(entry.version, at, RECORD_ID_BYTES, "hex");
  at = body.writeDoubleLE(entry.now, at);
  at = writeBytes(body, at, key);
  at = body.writeDoubleLE(entry.expiresAt, at);
  writeBytes(body, at, entry.value);
  return frame(marker, body);
}

function frame(marker: Uint8Array, body: Buffer): Buffer {
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + body.length);
  record.set(marker, 0);
  record.writeUInt32LE(body.length, 8);
  body.copy(record, RECORD_HEADER_BYTES);
  record.writeUInt32LE(recordChecksum(marker, record.subarray(8, 12), body), 12);
  return record;
}

function writeBytes(buffer: Buffer, at: number, bytes: Uint8Array): number {
  const next = buffer.writeUInt32LE(bytes.byteLength, at);
  buffer.set(bytes, next);
  return next + bytes.byteLength;
}

/** A write of a decoded commit; a set's value stays in the log, located by `valueAt`. */
export type DecodedOp =
  | {
      readonly type: "set";
      readonly key: string;
      readonly expiresAt: number;
      /** Offset of the value's first byte, relative to the start of the record. */
      readonly valueAt: number;
      readonly valueBytes: number;
    }
  | { readonly type: "delete"; readonly key: string };

/** A commit record as read back: values are located, not copied. */
export interface DecodedCommit {
  /** Hex of the record id: the version of every key the commit sets. */
  readonly version: string;
  readonly now: number;
  readonly checks: readonly EncodedCheck[];
  readonly ops: readonly DecodedOp[];
}

/** A seal as read back. */
export interface DecodedSeal {
  readonly kind: "seal";
  readonly now: number;
}

/** A snapshot entry as read back; its value is located, not copied. */
export interface DecodedSnapshot {
  readonly kind: "snapshot";
  readonly version: string;
  readonly now: number;
  readonly key: string;
  readonly expiresAt: number;
  /** Offset of the value's first byte, relative to the start of the record. */
  readonly valueAt: number;
  readonly valueBytes: number;
}

/** Any record as read back. */
export type DecodedRecord =
  | ({ readonly kind: "commit" } & DecodedCommit)
  | DecodedSeal
  | DecodedSnapshot;

/**
 * Decodes the body of a record whose checksum already matched. Returns `undefined` for a body
 * this release cannot read (an unknown kind), which is skipped like damage.
 */
export function decodeRecord(body: Buffer): DecodedRecord | undefined {
  const kind = body.readUInt8(0);
  if (kind === RECORD_KIND_COMMIT) {
    return decodeCommit(body);
  }
  if (kind === RECORD_KIND_SEAL) {
    return { kind: "seal", now: body.readDoubleLE(1 + RECORD_ID_BYTES) };
  }
  if (kind === RECORD_KIND_SNAPSHOT) {
    let at = 1;
    const version = body.toString("hex", at, at + RECORD_ID_BYTES);
    at += RECORD_ID_BYTES;
    const now = body.readDoubleLE(at);
    at += 8;
    const keyBytes = body.readUInt32LE(at);
    const key = body.toString("utf8", at + 4, at + 4 + keyBytes);
    at += 4 + keyBytes;
    const expiresAt = body.readDoubleLE(at);
    const valueBytes = body.readUInt32LE(at + 8);
    at += 12;
    if (at + valueBytes > body.length) return undefined;
    return {
      kind: "snapshot",
      version,
      now,
      key,
      expiresAt,
      valueAt: RECORD_HEADER_BYTES + at,
      valueBytes,
    };
  }
  return undefined;
}

/** Decodes the body of a commit record (see {@link decodeRecord}). */
export function decodeCommitBody(body: Buffer): DecodedCommit | undefined {
  return decodeCommit(body);
}

/** Decodes a commit body straight into its tagged form (no second object per record). */
function decodeCommit(body: Buffer): ({ readonly kind: "commit" } & DecodedCommit) | undefined {
  let at = 0;
  if (body.readUInt8(at) !== RECORD_KIND_COMMIT) return undefined;
  at += 1;
  const version = body.toString("hex", at, at + RECORD_ID_BYTES);
  at += RECORD_ID_BYTES;
  const now = body.readDoubleLE(at);
  at += 8;
  const checkCount = body.readUInt32LE(at);
  at += 4;
  const checks: EncodedCheck[] = [];
  for (let i = 0; i < checkCount; i++) {
    const keyBytes = body.readUInt32LE(at);
    const key = body.toString("utf8", at + 4, at + 4 + keyBytes);
    at += 4 + keyBytes;
    const versionKind = body.readUInt8(at);
    at += 1;
    if (versionKind === 1) {
      checks.push({ key, version: body.toString("hex", at, at + RECORD_ID_BYTES) });
      at += RECORD_ID_BYTES;
    } else {
      checks.push({ key, version: versionKind === 0 ? null : UNMATCHABLE_VERSION });
    }
  }
  const opCount = body.readUInt32LE(at);
  at += 4;
  const ops: DecodedOp[] = [];
  for (let i = 0; i < opCount; i++) {
    const type = body.readUInt8(at);
    at += 1;
    const keyBytes = body.readUInt32LE(at);
    const key = body.toString("utf8", at + 4, at + 4 + keyBytes);
    at += 4 + keyBytes;
    if (type === OP_SET) {
      const expiresAt = body.readDoubleLE(at);
      const valueBytes = body.readUInt32LE(at + 8);
      at += 12;
      ops.push({ type: "set", key, expiresAt, valueAt: RECORD_HEADER_BYTES + at, valueBytes });
      at += valueBytes;
    } else if (type === OP_DELETE) {
      ops.push({ type: "delete", key });
    } else {
      return undefined;
    }
  }
  return { kind: "commit", version, now, checks, ops };
}

import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import {
  decodeFileHeader,
  FILE_HEADER_BYTES,
  RECORD_HEADER_BYTES,
  RECORD_KIND_SEAL,
} from "../../src/log-format.ts";
import { LogReader } from "../../src/log-reader.ts";

/**
 * What a log file holds: valid records, damaged bytes skipped (torn writes and rotted records),
 * and a torn or pending tail.
 */
export interface LogShape {
  readonly size: number;
  readonly records: number;
  /** Valid seal records (a compaction began: everything after the first is void). */
  readonly seals: number;
  /** Bytes between records that are not valid records (torn writes later appends followed). */
  readonly skippedBytes: number;
  /** Whole records among the skipped bytes whose checksum failed (they rotted on disk). */
  readonly damagedRecords: number;
  /** Bytes after the last valid record that are not a valid record (a torn last write). */
  readonly tailBytes: number;
}

/** Reads a log file from the start, independently of any backend instance. */
export function inspectLog(path: string): LogShape {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    const header = Buffer.alloc(FILE_HEADER_BYTES);
    readSync(fd, header, 0, FILE_HEADER_BYTES, 0);
    const decoded = decodeFileHeader(header);
    if (typeof decoded === "string") throw new Error(decoded);
    const reader = new LogReader(fd, decoded.marker, decoded.headerBytes);
    let records = 0;
    let seals = 0;
    let validBytes = 0;
    let damagedRecords = 0;
    reader.catchUp(
      (body) => {
        records++;
        if (body[0] === RECORD_KIND_SEAL) seals++;
        validBytes += RECORD_HEADER_BYTES + body.length;
        return true;
      },
      () => {
        damagedRecords++;
      },
    );
    const size = fstatSync(fd).size;
    return {
      size,
      records,
      seals,
      skippedBytes: reader.position - decoded.headerBytes - validBytes,
      damagedRecords,
      tailBytes: size - reader.position,
    };
  } finally {
    closeSync(fd);
  }
}

import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CorruptedError, UnavailableError } from "@kvkit/spec";
import {
  decodeFileHeader,
  encodeFileHeader,
  FILE_HEADER_BYTES,
  LOG_FILE_NAME,
} from "./log-format.ts";

/** Names of temporary files: a leading dot that no log or key ever produces. */
export const TEMP_NAME: RegExp = /^\.kvkit-[0-9a-f]{16}\.tmp$/;

/** An open log file. */
export interface OpenedLog {
  /** Read-write, `O_APPEND`, opened without following a symbolic link. */
  readonly fd: number;
  /** The store's record marker, from the file header. */
  readonly marker: Buffer;
  /** Offset of the first record. */
  readonly firstRecord: number;
}

/**
 * Opens (creating if needed) the store in `directory`: the directory with mode 0700, the log
 * with mode 0600 whatever the umask, a complete header in place before the log becomes
 * visible (written to a temporary file, then hard-linked into place, which fails rather than
 * replaces when another process won the race). Removes temporary files left by processes
 * that died while creating the log or probing health.
 *
 * @param syncToDisk fsync the new log and the directory (durability `power`).
 * @throws {UnavailableError} `KVKIT_UNAVAILABLE` when the directory or log cannot be used
 *   (permissions, a symbolic link or other non-file where the log belongs).
 * @throws {CorruptedError} `KVKIT_CORRUPTED` when the log's header is not one this release reads.
 */
export function openLog(directory: string, syncToDisk: boolean): OpenedLog {
  try {
    createDirectory(directory);
  } catch (cause) {
    throw new UnavailableError(`Cannot create the store directory ${directory}`, { cause });
  }
  const path = join(directory, LOG_FILE_NAME);
  let fd = tryOpen(path);
  if (fd === undefined) {
    createLog(directory, path, syncToDisk);
    fd = tryOpen(path);
    if (fd === undefined) throw new UnavailableError(`The log ${path} vanished after creation`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UnavailableError(`${path} is not a regular file`);
    const header = Buffer.alloc(FILE_HEADER_BYTES);
    const read = readSync(fd, header, 0, FILE_HEADER_BYTES, 0);
    const decoded = decodeFileHeader(header.subarray(0, read));
    if (typeof decoded === "string") throw new CorruptedError(`${path}: ${decoded}`);
    removeLeftovers(directory);
    return { fd, marker: decoded.marker, firstRecord: decoded.headerBytes };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Writes and removes a probe file: proves the directory is writable. */
export function createTempFile(
  directory: string,
  contents: Uint8Array,
  syncToDisk: boolean,
): string {
  const path = join(directory, `.kvkit-${randomBytes(8).toString("hex")}.tmp`);
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    fchmodSync(fd, 0o600);
    let done = 0;
    while (done < contents.byteLength) done += writeSync(fd, contents, done);
    if (syncToDisk) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** fsync of a directory, which makes a rename or link in it survive power loss (Linux). */
export function syncDirectory(directory: string): void {
  const fd = openSync(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function createDirectory(directory: string): void {
  const first = mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  // mkdir's mode is filtered by the umask; set it explicitly on every directory created.
  let current = resolve(directory);
  const top = resolve(first);
  for (;;) {
    chmodSync(current, 0o700);
    if (current === top) break;
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
}

function tryOpen(path: string): number | undefined {
  try {
    return openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") {
      throw new UnavailableError(`${path} is a symbolic link; the store does not follow links`, {
        cause,
      });
    }
    throw new UnavailableError(`Cannot open ${path}`, { cause });
  }
}

function createLog(directory: string, path: string, syncToDisk: boolean): void {
  const header = encodeFileHeader(randomBytes(8));
  // Another process may remove our temporary file in its start-up sweep: try again then.
  for (let attempt = 0; ; attempt++) {
    let temp: string;
    try {
      temp = createTempFile(directory, header, syncToDisk);
    } catch (cause) {
      throw new UnavailableError(`Cannot create the log in ${directory}`, { cause });
    }
    try {
      linkSync(temp, path);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === "EEXIST") {
        removeQuietly(temp);
        return;
      }
      if (code !== "ENOENT" || attempt >= 10) {
        removeQuietly(temp);
        throw new UnavailableError(`Cannot create the log ${path}`, { cause });
      }
      continue;
    }
    removeQuietly(temp);
    if (syncToDisk) syncDirectory(directory);
    return;
  }
}

function removeLeftovers(directory: string): void {
  for (const name of readdirSync(directory)) {
    if (TEMP_NAME.test(name)) removeQuietly(join(directory, name));
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone (another process swept it): nothing to do.
  }
}

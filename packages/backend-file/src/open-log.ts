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
  rmdirSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CorruptedError, isBackendError, UnavailableError } from "@kvkit/spec";
import {
  decodeFileHeader,
  encodeFileHeader,
  FILE_HEADER_BYTES,
  LOG_NAME,
  logFileName,
} from "./log-format.ts";

/**
 * Log generations kept behind the newest. A generation's name must not become free while a
 * process that fell behind could still be about to create it, so old logs are removed only
 * this far back.
 */
export const RETAINED_GENERATIONS = 4;

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
  readonly generation: number;
}

/**
 * Opens (creating if needed) the store in `directory` at its newest generation: the directory
 * with mode 0700, the log with mode 0600 whatever the umask, a complete header in place before
 * a log becomes visible (written to a temporary file, then hard-linked into place, which fails
 * rather than replaces when another process won the race). Removes temporary files left by
 * processes that died while creating a log, compacting or probing health.
 *
 * Does not fsync the directory, also not after creating generation 0: the caller fsyncs it
 * before it acknowledges a write in the generation it opened (see {@link openDirectory}), since
 * the process that created that generation may have died before its own fsync of the directory.
 *
 * @param syncToDisk fsync new files (durability `power`).
 * @throws {UnavailableError} `KVKIT_UNAVAILABLE` when the directory or log cannot be used
 *   (permissions, a symbolic link or other non-file where the log belongs).
 * @throws {CorruptedError} `KVKIT_CORRUPTED` when the log's header is not one this release reads.
 */
export function openLog(directory: string, syncToDisk: boolean): OpenedLog {
  try {
    createDirectory(directory, syncToDisk);
  } catch (cause) {
    throw new UnavailableError(`Cannot create the store directory ${directory}`, { cause });
  }
  // A compaction may retire the newest generation between listing and opening: look again.
  for (let attempt = 0; attempt < 20; attempt++) {
    const newest = newestGeneration(directory);
    if (newest < 0) {
      const header = encodeFileHeader(randomBytes(8), 0);
      createGeneration(directory, 0, (fd) => writeAll(fd, header), syncToDisk);
      continue;
    }
    const opened = openGeneration(directory, newest);
    if (opened !== undefined) {
      try {
        removeLeftovers(directory, newest - RETAINED_GENERATIONS);
      } catch (error) {
        closeSync(opened.fd);
        throw error;
      }
      return opened;
    }
  }
  throw new UnavailableError(`Cannot open the log in ${directory}: it keeps changing`);
}

/** The newest generation with a log file in `directory`, or -1 when there is none. */
export function newestGeneration(directory: string): number {
  let newest = -1;
  for (const name of readdirSync(directory)) {
    const match = LOG_NAME.exec(name);
    if (match !== null) newest = Math.max(newest, Number(match[1]));
  }
  return newest;
}

/**
 * Opens one generation's log; `undefined` when it does not exist.
 *
 * @throws {UnavailableError} `KVKIT_UNAVAILABLE` for a symbolic link or other non-file.
 * @throws {CorruptedError} `KVKIT_CORRUPTED` for a header this release does not read.
 */
export function openGeneration(directory: string, generation: number): OpenedLog | undefined {
  const path = join(directory, logFileName(generation));
  const fd = tryOpen(path);
  if (fd === undefined) return undefined;
  try {
    if (!fstatSync(fd).isFile()) throw new UnavailableError(`${path} is not a regular file`);
    const header = Buffer.alloc(FILE_HEADER_BYTES);
    const read = readSync(fd, header, 0, FILE_HEADER_BYTES, 0);
    const decoded = decodeFileHeader(header.subarray(0, read));
    if (typeof decoded === "string") throw new CorruptedError(`${path}: ${decoded}`);
    if (decoded.generation !== generation) {
      throw new CorruptedError(`${path} says it is generation ${decoded.generation}`);
    }
    return { fd, marker: decoded.marker, firstRecord: decoded.headerBytes, generation };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Creates one generation's log from what `write` puts into a temporary file. Returns `false`
 * when the generation already existed (another process made it first) or when a newer
 * generation exists by the time the file is complete (this process fell behind while writing).
 *
 * Does not fsync the directory: a caller that needs the new name to survive a power loss
 * fsyncs the directory (see {@link openDirectory}) after a `true`, and decides what its
 * failure means.
 *
 * @throws {UnavailableError} `KVKIT_UNAVAILABLE` when the file cannot be written or linked.
 *   A kvkit error thrown by `write` (such as `KVKIT_CORRUPTED`) is passed on unchanged.
 */
export function createGeneration(
  directory: string,
  generation: number,
  write: (fd: number) => void,
  syncToDisk: boolean,
): boolean {
  const path = join(directory, logFileName(generation));
  // Another process may remove our temporary file in its start-up sweep: try again then.
  for (let attempt = 0; ; attempt++) {
    let temp: string;
    try {
      temp = createTempFile(directory, write, syncToDisk);
    } catch (cause) {
      if (isBackendError(cause)) throw cause;
      throw new UnavailableError(`Cannot create a log in ${directory}`, { cause });
    }
    // Checked right before the link, after the slow part: a generation is only created by a
    // process that is still at its predecessor (see the README on compaction).
    if (newestGeneration(directory) > generation) {
      removeQuietly(temp);
      return false;
    }
    try {
      linkSync(temp, path);
    } catch (cause) {
      removeQuietly(temp);
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return false;
      if (code !== "ENOENT" || attempt >= 10) {
        throw new UnavailableError(`Cannot create the log ${path}`, { cause });
      }
      continue;
    }
    removeQuietly(temp);
    return true;
  }
}

/** Removes one generation's log, if it is still there. */
export function removeGeneration(directory: string, generation: number): void {
  removeQuietly(join(directory, logFileName(generation)));
}

/** Creates a temporary file (mode 0600, never through a link) holding what `write` writes. */
export function createTempFile(
  directory: string,
  write: (fd: number) => void,
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
    write(fd);
    if (syncToDisk) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    removeQuietly(path);
    throw error;
  }
  closeSync(fd);
  return path;
}

/** Writes all of `bytes` at the file's current position. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done);
}

/**
 * Opens `directory` read-only, for an fsync that makes a rename or link in it survive power
 * loss (Linux). Split from the fsync because their failures mean different things: an open
 * that fails (EMFILE, ENFILE, EACCES, ENOMEM) ran no fsync, so nothing can have been lost and
 * it may be tried again; a failed fsync may have lost the metadata it was to write.
 *
 * @throws the `openSync` error (a Node errno error), unwrapped: the caller decides its meaning.
 */
export function openDirectory(directory: string): number {
  return openSync(directory, constants.O_RDONLY | constants.O_DIRECTORY);
}

/**
 * Creates `directory` and any missing parents, mode 0700. With `syncToDisk`, fsyncs the parent of
 * every directory it created, so their entries survive a power loss along with the writes
 * acknowledged in them (Linux makes a new name durable only through its parent's fsync). If an
 * open or fsync fails, the directories it created are removed again, so the next attempt
 * creates, and fsyncs, them anew instead of finding them in place and skipping the fsync.
 */
function createDirectory(directory: string, syncToDisk: boolean): void {
  const first = mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  // Outermost first: the directories mkdir created, from `first` down to `directory`.
  const created: string[] = [];
  for (let current = resolve(directory); ; current = dirname(current)) {
    created.unshift(current);
    if (current === resolve(first) || dirname(current) === current) break;
  }
  try {
    for (const path of created) {
      // mkdir's mode is filtered by the umask; set it explicitly on every directory created.
      chmodSync(path, 0o700);
      if (syncToDisk) syncDirectory(dirname(path));
    }
  } catch (error) {
    for (const path of created.reverse()) rmdirQuietly(path);
    throw error;
  }
}

/** fsyncs a directory, so the names made in it survive a power loss. */
function syncDirectory(path: string): void {
  const fd = openDirectory(path);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // Not empty (another process already uses it) or gone: leave it.
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

/** Removes temporary files, and logs of generations older than `oldestKept`. */
function removeLeftovers(directory: string, oldestKept: number): void {
  for (const name of readdirSync(directory)) {
    const log = LOG_NAME.exec(name);
    if (TEMP_NAME.test(name) || (log !== null && Number(log[1]) < oldestKept)) {
      removeQuietly(join(directory, name));
    }
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone (another process swept it): nothing to do.
  }
}

import { fstatSync, readSync } from "node:fs";
import { MAX_RECORD_BODY_BYTES, RECORD_HEADER_BYTES, recordChecksum } from "./log-format.ts";

/** How much of the log one read takes at most, unless a single record is larger. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** A sector: the smallest unit in which a file's bytes reach the disk, and a lost write loses. */
const SECTOR_BYTES = 512;

/**
 * Follows the log file, which several processes append to, and hands over each complete record
 * exactly once, in file order.
 *
 * Appends are single `write(2)` calls on an `O_APPEND` descriptor, so records never interleave,
 * but a writer killed inside a large write leaves a torn record that later appends follow.
 * The reader tells the cases apart:
 * - a record whose checksum matches is applied;
 * - bytes that are not a valid record are skipped only once a valid record is found after
 *   them: that later record was appended after the damaged one's `write(2)` returned, so the
 *   damaged one can never complete;
 * - otherwise the reader waits at the damaged or incomplete record (it may be a write still in
 *   progress) and looks again once the file has grown.
 *
 * Skipped bytes are a torn write unless they are a whole record that rotted on disk: the
 * store's marker, a plausible length, a checksum that fails, and the first valid record after
 * them starting exactly where that length says the record ends. A torn record is shorter than
 * its length says, and the record appended after it starts before that end. Such a damaged
 * record is skipped too (losing every later write would be worse), but reported.
 *
 * A write whose last sectors never reached the disk also leaves a record of its whole length
 * (an `fdatasync` that failed with EIO and whose pages were dropped, a power loss on some file
 * systems): its marker and length were written, the lost sectors read back as zeros. So a
 * record whose bytes are all zero from a sector boundary of the file to its end is taken for
 * such a write, never acknowledged, and skipped as torn. What remains mistaken: a rotted record
 * whose last value ends in zeros across a sector boundary is skipped as torn, and so is one
 * whose marker or length field rotted; lost sectors that read back as other bytes, or two torn
 * records in a row whose lengths happen to add up, look rotted.
 */
export class LogReader {
  readonly #fd: number;
  readonly #marker: Buffer;
  #position: number;
  /** File size at which the reader last had to wait; nothing to do until the size changes. */
  #stuckAtSize = -1;
  #ended = false;

  constructor(fd: number, marker: Buffer, start: number) {
    this.#fd = fd;
    this.#marker = marker;
    this.#position = start;
  }

  /** Whether a record ended the file (`onRecord` returned `false`): nothing more is read. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Offset of the first byte not yet handed over. */
  get position(): number {
    return this.#position;
  }

  /**
   * Reads every complete record appended since the last call and passes each body with the
   * record's offset in the file. Synchronous: between two records nothing else runs. When
   * `onRecord` returns `false` (a seal), reading stops for good after that record. A whole
   * record that failed its checksum (see {@link LogReader}) is skipped and passed to
   * `onDamaged`, once, in file order with the others: its offset and its length, header
   * included.
   */
  catchUp(
    onRecord: (body: Buffer, recordStart: number) => boolean,
    onDamaged?: (recordStart: number, recordBytes: number) => void,
  ): void {
    if (this.#ended) return;
    const size = fstatSync(this.#fd).size;
    if (size === this.#stuckAtSize) return;
    let need = 0;
    while (this.#position < size) {
      const base = this.#position;
      const buffer = this.#readAt(base, Math.min(size - base, Math.max(CHUNK_BYTES, need)));
      const reachesEnd = base + buffer.length === size;
      need = 0;
      let at = 0;
      let waiting = false;
      while (at < buffer.length) {
        const length = this.#validAt(buffer, at);
        if (length > 0) {
          const more = onRecord(buffer.subarray(at + RECORD_HEADER_BYTES, at + length), base + at);
          at += length;
          if (!more) {
            this.#position = base + at;
            this.#ended = true;
            return;
          }
          continue;
        }
        if (!reachesEnd) {
          // Read again from here, with room for this record (or for everything left when it
          // is damaged, so the search below sees the rest of the file).
          need = length === 0 ? this.#claimedLength(buffer, at) : size - (base + at);
          break;
        }
        const next = this.#findValid(buffer, at + 1);
        if (next < 0) {
          waiting = true;
          break;
        }
        if (onDamaged !== undefined && this.#isRotted(buffer, base, at, next)) {
          onDamaged(base + at, next - at);
        }
        at = next;
      }
      this.#position = base + at;
      if (waiting) {
        this.#stuckAtSize = size;
        return;
      }
    }
    this.#stuckAtSize = -1;
  }

  /**
   * Hands over `length` bytes at `start` without reading them, when the caller appended them
   * itself (and so knows their records) and they are all the file grew by since the reader's
   * position: the log only grows, so nothing else can lie in between. Returns `false`, moving
   * nothing, otherwise (another process appended too, or bytes wait to be completed): then
   * {@link catchUp} reads.
   */
  skipOwnAppend(start: number, length: number): boolean {
    if (this.#ended || this.#position !== start) return false;
    if (fstatSync(this.#fd).size !== start + length) return false;
    this.#position = start + length;
    this.#stuckAtSize = -1;
    return true;
  }

  #readAt(position: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const read = readSync(this.#fd, buffer, done, length - done, position + done);
      if (read === 0) break;
      done += read;
    }
    return done === length ? buffer : buffer.subarray(0, done);
  }

  /** Total bytes of the valid record at `at`; 0 when it runs past the buffer; -1 when damaged. */
  #validAt(buffer: Buffer, at: number): number {
    if (buffer.length - at < RECORD_HEADER_BYTES) return 0;
    if (!this.#markerAt(buffer, at)) return -1;
    const bodyBytes = buffer.readUInt32LE(at + 8);
    if (bodyBytes < 1 || bodyBytes > MAX_RECORD_BODY_BYTES) return -1;
    const end = at + RECORD_HEADER_BYTES + bodyBytes;
    if (end > buffer.length) return 0;
    const expected = buffer.readUInt32LE(at + 12);
    const actual = recordChecksum(
      this.#marker,
      buffer.subarray(at + 8, at + 12),
      buffer.subarray(at + RECORD_HEADER_BYTES, end),
    );
    return actual === expected ? end - at : -1;
  }

  /**
   * Whether the bytes from `at` to `next` (the first valid record after them; `base` is the
   * buffer's offset in the file) are one whole record whose checksum failed, as opposed to a
   * torn write: it starts with the marker, its length field says it ends exactly at `next`,
   * and it does not end in lost sectors (see {@link LogReader}).
   */
  #isRotted(buffer: Buffer, base: number, at: number, next: number): boolean {
    if (next - at <= RECORD_HEADER_BYTES || !this.#markerAt(buffer, at)) return false;
    if (this.#claimedLength(buffer, at) !== next - at) return false;
    let zeros = next;
    while (zeros > at && buffer[zeros - 1] === 0) zeros--;
    const firstSector = Math.ceil((base + zeros) / SECTOR_BYTES) * SECTOR_BYTES;
    return firstSector >= base + next;
  }

  #markerAt(buffer: Buffer, at: number): boolean {
    return buffer.compare(this.#marker, 0, this.#marker.length, at, at + this.#marker.length) === 0;
  }

  #claimedLength(buffer: Buffer, at: number): number {
    if (buffer.length - at < RECORD_HEADER_BYTES) return RECORD_HEADER_BYTES;
    return RECORD_HEADER_BYTES + buffer.readUInt32LE(at + 8);
  }

  #findValid(buffer: Buffer, from: number): number {
    let candidate = buffer.indexOf(this.#marker, from);
    while (candidate >= 0) {
      if (this.#validAt(buffer, candidate) > 0) return candidate;
      candidate = buffer.indexOf(this.#marker, candidate + 1);
    }
    return -1;
  }
}

import { describe, expect, it } from "vitest";
import {
  HEADER_BYTES,
  isPayload,
  payloadValue,
  payloadValues,
  payloadVersion,
  VersionedPayload,
} from "../src/versioned-payload.ts";

describe("VersionedPayload", () => {
  it("numbers versions 1, 2, 3, … after the writer's 8 bytes, carrying across bytes", () => {
    const payloads = new VersionedPayload();
    const writers = new Set<string>();
    // 70 000 crosses the carries from the last byte into the two before it.
    for (let n = 1; n <= 70_000; n++) {
      const version = payloadVersion(payloads.encode(new Uint8Array(0)));
      writers.add(version.slice(0, 16));
      expect(BigInt(`0x${version.slice(16)}`)).toBe(BigInt(n));
    }
    expect(writers.size).toBe(1);
  });

  it("gives each instance its own writer bytes", () => {
    const a = payloadVersion(new VersionedPayload().encode(new Uint8Array(1)));
    const b = payloadVersion(new VersionedPayload().encode(new Uint8Array(1)));
    expect(a.slice(0, 16)).not.toBe(b.slice(0, 16));
    expect(a.slice(16)).toBe(b.slice(16));
  });

  it("stores the format byte, the version and the value, and reads the value back as a copy", () => {
    const value = new TextEncoder().encode("hello");
    const payload = new VersionedPayload().encode(value);
    expect(payload.byteLength).toBe(HEADER_BYTES + value.byteLength);
    expect(isPayload(payload)).toBe(true);
    const read = payloadValue(payload);
    expect(read).toEqual(value);
    payload[HEADER_BYTES] = 0x48;
    expect(new TextDecoder().decode(read)).toBe("hello");
  });

  it("payloadValues() copies a batch into disjoint ranges and keeps missing keys undefined", () => {
    const payloads = new VersionedPayload();
    const encoder = new TextEncoder();
    const values = [encoder.encode("a"), encoder.encode(""), encoder.encode("ccc")] as const;
    const stored = [
      payloads.encode(values[0]),
      null,
      payloads.encode(values[1]),
      payloads.encode(values[2]),
    ];
    const read = payloadValues(stored);
    expect(read).toEqual([values[0], undefined, values[1], values[2]]);
    (stored[3] as Buffer).fill(0, HEADER_BYTES);
    expect(new TextDecoder().decode(read[3])).toBe("ccc");
    (read[0] as Uint8Array)[0] = 0x7a;
    expect(new TextDecoder().decode(read[3])).toBe("ccc");
  });
});

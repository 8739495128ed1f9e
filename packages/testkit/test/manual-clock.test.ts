import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/manual-clock.ts";

describe("ManualClock", () => {
  it("now() stays put until advance() moves it", () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it("now() works when passed around as a plain function", () => {
    const clock = new ManualClock(5);
    const now = clock.now;
    clock.advance(1);
    expect(now()).toBe(6);
  });

  it("advance() throws a RangeError for a negative or NaN duration", () => {
    const clock = new ManualClock(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(clock.now()).toBe(0);
  });
});

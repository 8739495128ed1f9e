import { manifest } from "@kvkit/backend-memory";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SuiteContext } from "../src/suite-context.ts";

const options = { name: "x", manifest, create: () => Promise.reject(new Error("not opened")) };

describe("SuiteContext.propertyParameters()", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("propertyParameters() uses propertyRuns and a random seed by default", () => {
    vi.stubEnv("KVKIT_TESTKIT_SEED", "");
    vi.stubEnv("KVKIT_TESTKIT_PATH", "");
    const suite = new SuiteContext({ ...options, propertyRuns: 7 }, "");
    expect(suite.propertyParameters()).toEqual({ numRuns: 7 });
  });

  it("propertyParameters() replays KVKIT_TESTKIT_SEED and KVKIT_TESTKIT_PATH", () => {
    vi.stubEnv("KVKIT_TESTKIT_SEED", "-42");
    vi.stubEnv("KVKIT_TESTKIT_PATH", "3:1:0");
    const suite = new SuiteContext(options, "");
    expect(suite.propertyParameters()).toEqual({ numRuns: 50, seed: -42, path: "3:1:0" });
  });

  it("propertyParameters() throws a TypeError for a seed that is not an integer", () => {
    vi.stubEnv("KVKIT_TESTKIT_SEED", "abc");
    expect(() => new SuiteContext(options, "").propertyParameters()).toThrow(TypeError);
  });
});

import { type InvalidOptionError, type OptionsSchema, parseOptions } from "@kvkit/spec";
import { describe, expect, it } from "vitest";

const schema: OptionsSchema = {
  directory: { type: "string", required: true, description: "Where the data lives." },
  durability: {
    type: "string",
    enum: ["none", "process", "power"],
    default: "power",
    description: "d",
  },
  timeoutMs: { type: "integer", min: 1, default: 1000, description: "t" },
  fsync: { type: "boolean", default: true, description: "f" },
  prefix: {
    type: "string",
    default: "",
    description: "p",
    check: (value) => (String(value).includes("{") ? "may not contain '{'" : undefined),
  },
};

function problemsOf(input: Record<string, unknown>): readonly string[] {
  try {
    parseOptions(schema, input, "@kvkit/backend-x");
  } catch (error) {
    expect(error).toMatchObject({ code: "KVKIT_INVALID_OPTION" });
    return (error as InvalidOptionError).problems;
  }
  return [];
}

describe("parseOptions()", () => {
  it("parseOptions() fills in defaults for options not given", () => {
    expect(parseOptions(schema, { directory: "/d" }, "x")).toEqual({
      directory: "/d",
      durability: "power",
      timeoutMs: 1000,
      fsync: true,
      prefix: "",
    });
  });

  it("parseOptions() converts URL query strings to numbers and booleans", () => {
    expect(
      parseOptions(schema, { directory: "/d", timeoutMs: "250", fsync: "false" }, "x"),
    ).toMatchObject({
      timeoutMs: 250,
      fsync: false,
    });
  });

  it("parseOptions() lists every problem at once, naming the owner and the option", () => {
    const problems = problemsOf({
      durabilty: "none",
      timeoutMs: 0,
      durability: "disk",
      prefix: "{a}",
    });
    expect(problems).toHaveLength(5);
    expect(problems.join("\n")).toContain('@kvkit/backend-x has no option "durabilty"');
    expect(problems.join("\n")).toContain('needs the option "directory"');
    expect(problems.join("\n")).toContain('"timeoutMs" must be at least 1');
    expect(problems.join("\n")).toContain('"durability" must be one of');
    expect(problems.join("\n")).toContain("may not contain '{'");
  });

  it("parseOptions() rejects a fractional integer and a non-numeric string", () => {
    expect(problemsOf({ directory: "/d", timeoutMs: 1.5 })).toHaveLength(1);
    expect(problemsOf({ directory: "/d", timeoutMs: "soon" })).toHaveLength(1);
  });

  it("parseOptions() treats an inherited name such as toString as unknown", () => {
    expect(problemsOf({ directory: "/d", toString: "x" })).toHaveLength(1);
  });
});

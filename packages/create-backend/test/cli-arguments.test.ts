import { describe, expect, it } from "vitest";
import { parseCliArguments } from "../src/cli-arguments.ts";

describe("parseCliArguments", () => {
  it("parseCliArguments() reads every answer from its flag", () => {
    const args = parseCliArguments([
      "my-store",
      "--name",
      "@acme/kvkit-backend-blob",
      "--description",
      "Blobs & more",
      "--template",
      "blank",
      "--capabilities",
      "batch, health",
      "--pm",
      "pnpm",
      "--no-git",
      "--install",
    ]);
    expect(args).toMatchObject({
      directory: "my-store",
      name: "@acme/kvkit-backend-blob",
      description: "Blobs & more",
      template: "blank",
      capabilities: ["batch", "health"],
      packageManager: "pnpm",
      git: false,
      install: true,
      yes: false,
    });
  });

  it("parseCliArguments() leaves answers that were not given undefined", () => {
    const args = parseCliArguments([]);
    expect(args.directory).toBeUndefined();
    expect(args.template).toBeUndefined();
    expect(args.capabilities).toBeUndefined();
    expect(args.git).toBeUndefined();
    expect(args.install).toBeUndefined();
  });

  it("parseCliArguments() accepts short flags and drops the implicit kv capability", () => {
    const args = parseCliArguments(["-t", "memory", "-c", "kv,ttl", "-y", "-n", "x"]);
    expect(args).toMatchObject({ template: "memory", capabilities: ["ttl"], yes: true, name: "x" });
  });

  it("parseCliArguments() strips trailing slashes from the directory", () => {
    expect(parseCliArguments(["dir/sub/"]).directory).toBe("dir/sub");
  });

  it.each([
    [["--template", "redis"], /--template must be one of memory, blank, remote/],
    [["--pm", "bun"], /--pm must be one of npm, pnpm, yarn/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["--name"], /argument missing/],
    [["a", "b"], /Expected one directory, got 2/],
    [["--force", "--merge"], /contradict/],
    [["--git", "--no-git"], /contradict/],
  ])("parseCliArguments() rejects %j with a usage error (exit 2)", (argv, message) => {
    expect(() => parseCliArguments(argv)).toThrow(message);
    expect(() => parseCliArguments(argv)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

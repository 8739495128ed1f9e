import { spawn } from "node:child_process";

/** How a child process ended. */
export interface CommandResult {
  /** The exit code; `null` when a signal or a spawn error ended it. */
  readonly code: number | null;
  /** stdout and stderr, interleaved as they arrived. */
  readonly output: string;
}

/**
 * Runs `command` with its stdin closed (so it can never wait for input) and its output
 * captured. Resolves when it exits; never rejects.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    let output = "";
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      // npm, pnpm and yarn are .cmd shims on Windows.
      shell: process.platform === "win32",
    });
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", (error) =>
      resolvePromise({ code: null, output: `${output}${error.message}\n` }),
    );
    child.on("close", (code) => resolvePromise({ code, output }));
  });
}

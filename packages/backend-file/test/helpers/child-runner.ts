import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** Bundles `test/fixtures/worker.ts` (with the backend's source) into one plain `.mjs` file. */
export async function bundleWorker(): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), "kvkit-file-worker-")), "worker.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("../fixtures/worker.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@kvkit/source"],
    outfile,
    logLevel: "silent",
  });
  return outfile;
}

/** A running worker: its output lines as they arrive, and a way to wait for one. */
export class Worker {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  #partial = "";
  #stderr = "";
  #listeners: (() => void)[] = [];

  constructor(bundle: string, args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [bundle, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    this.child.stdout?.setEncoding("utf8");
    this.child.stdout?.on("data", (chunk: string) => {
      const parts = (this.#partial + chunk).split("\n");
      this.#partial = parts.pop() ?? "";
      this.lines.push(...parts);
      for (const listener of this.#listeners) listener();
    });
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => {
      this.#stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code) => {
        for (const listener of this.#listeners) listener();
        resolve(code);
      });
    });
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves once a line equal to `line` was printed; rejects if the child exits first. */
  waitFor(line: string, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`worker did not print ${line} in ${timeoutMs} ms: ${this.#stderr}`));
      }, timeoutMs);
      const check = (): void => {
        if (this.lines.includes(line)) {
          cleanup();
          resolve();
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          cleanup();
          reject(new Error(`worker exited before printing ${line}: ${this.#stderr}`));
        }
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#listeners = this.#listeners.filter((listener) => listener !== check);
      };
      this.#listeners.push(check);
      check();
    });
  }

  /** SIGKILLs the child and waits until it is gone. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.exited;
  }
}

/**
 * A problem with how the CLI was called: an unknown flag, a bad value, or an answer missing in a
 * run that cannot prompt. The CLI prints the message and exits with {@link UsageError.exitCode}.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** 2 for usage problems, 3 for a non-empty target directory without `--force`/`--merge`. */
  readonly exitCode: number;

  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

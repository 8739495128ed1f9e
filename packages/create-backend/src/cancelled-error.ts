/** The user cancelled a prompt (Ctrl-C). The CLI exits with code 130 and writes nothing. */
export class CancelledError extends Error {
  override readonly name = "CancelledError";

  constructor() {
    super("Cancelled; nothing was written.");
  }
}

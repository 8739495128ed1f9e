/** Options of the backend. */
export interface TemplateBackendOptions {
  /** The server's base URL, such as `"http://127.0.0.1:8080"`. */
  readonly url: string;
  /** A namespace applied to every key; keys the backend reports never include it. */
  readonly prefix?: string | undefined;
  /** How long one request may take, in milliseconds. Default 5000. */
  readonly timeoutMs?: number | undefined;
}

/** Options of the backend: add what your store needs to connect. */
export interface TemplateBackendOptions {
  /** A namespace applied to every key; keys the backend reports never include it. */
  readonly prefix?: string | undefined;
}

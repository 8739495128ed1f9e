/** Options of the backend. */
export interface TemplateBackendOptions {
  /** Instances opened with the same store name share their data. Default: a private store. */
  readonly store?: string | undefined;
  /** A namespace applied to every key; keys the backend reports never include it. */
  readonly prefix?: string | undefined;
  /** Where time comes from, for expiry. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/** The kinds of value a backend option can take. */
export type OptionType = "string" | "number" | "integer" | "boolean" | "function" | "object";

/**
 * The description of one backend option. Options of type `string`, `number`, `integer` and
 * `boolean` can also be given as URL query parameters, which are converted to the type.
 */
export interface OptionSpec {
  readonly type: OptionType;
  /** One or two sentences for `--help` output and docs. */
  readonly description: string;
  /** The value used when the option is not given. */
  readonly default?: unknown;
  /** The option must be given (there is no sensible default). */
  readonly required?: boolean | undefined;
  /** For `string` options: the only values accepted. */
  readonly enum?: readonly string[] | undefined;
  /** For `number` and `integer` options: the smallest value accepted. */
  readonly min?: number | undefined;
  /** For `number` and `integer` options: the largest value accepted. */
  readonly max?: number | undefined;
  /**
   * A further check; returns a sentence describing the problem, or `undefined` when the value
   * is acceptable.
   */
  readonly check?: ((value: unknown) => string | undefined) | undefined;
}

/** Every option a backend accepts, by name. */
export type OptionsSchema = Readonly<Record<string, OptionSpec>>;

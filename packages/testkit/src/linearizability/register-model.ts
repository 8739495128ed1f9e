import type { SequentialModel } from "./check-linearizability.ts";

/**
 * An operation on one key, seen as a register holding a value or nothing (`null`).
 *
 * Values are strings (the recorder writes `encodeValue` of the bytes); histories should write a unique value per
 * write, so that a read names the write it observed and a version can be translated into the
 * value it was issued for (see {@link checkKvHistory}).
 */
export type RegisterInput =
  | { readonly kind: "read" }
  | { readonly kind: "write"; readonly value: string }
  | { readonly kind: "delete" }
  | { readonly kind: "cas"; readonly expected: string | null; readonly value: string };

/**
 * What a register operation returned: the value read (`null` when absent), whether a delete
 * found the key, whether a compare-and-set succeeded; `true` for a plain write.
 */
export type RegisterOutput = string | null | boolean;

/** The register's state: its value, or `null` when the key is absent. */
export type RegisterState = string | null;

/**
 * The sequential specification of one key: reads see the last write, a delete empties it and
 * reports whether it held something, a compare-and-set writes only when the current value is
 * `expected` (`null`: only when absent) and reports whether it did.
 */
export const registerModel: SequentialModel<RegisterState, RegisterInput, RegisterOutput> = {
  init: null,
  step(state, input, output) {
    switch (input.kind) {
      case "read":
        return output === undefined || output === state ? state : undefined;
      case "write":
        return input.value;
      case "delete":
        if (output !== undefined && output !== (state !== null)) return undefined;
        return null;
      case "cas": {
        const matches = state === input.expected;
        if (output !== undefined && output !== matches) return undefined;
        return matches ? input.value : state;
      }
    }
  },
  key: (state) => (state === null ? "-" : `=${state}`),
  describe(input, output) {
    const shown = (value: string | null): string => (value === null ? "absent" : value);
    const result = output === undefined ? "outcome unknown" : String(output);
    switch (input.kind) {
      case "read":
        return `read -> ${output === undefined ? result : shown(output as string | null)}`;
      case "write":
        return `write ${input.value}${output === undefined ? " (outcome unknown)" : ""}`;
      case "delete":
        return `delete -> ${output === undefined ? result : output ? "existed" : "was absent"}`;
      case "cas":
        return `cas ${shown(input.expected)} -> ${input.value}: ${
          output === undefined ? result : output ? "succeeded" : "conflict"
        }`;
    }
  },
};

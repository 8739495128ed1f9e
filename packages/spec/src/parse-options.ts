import { describeType } from "./describe-type.ts";
import { InvalidOptionError } from "./errors/invalid-option-error.ts";
import type { OptionSpec, OptionsSchema } from "./options-schema.ts";

/**
 * Validates `input` against `schema` and fills in defaults.
 *
 * Strings are converted for `number`, `integer` and `boolean` options (they come from URL
 * query parameters). Every problem is collected before throwing, so one error lists them all.
 *
 * @param owner Named in messages, such as `"@kvkit/backend-file"`.
 * @throws {InvalidOptionError} `KVKIT_INVALID_OPTION` listing every unknown, missing or
 *   invalid option.
 */
export function parseOptions<O>(
  schema: OptionsSchema,
  input: Readonly<Record<string, unknown>>,
  owner: string,
): O {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(schema, name)) {
      const known = Object.keys(schema).join(", ") || "none";
      problems.push(`${owner} has no option "${name}" (known options: ${known})`);
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    const given = Object.hasOwn(input, name) ? input[name] : undefined;
    if (given === undefined) {
      if (spec.required) problems.push(`${owner} needs the option "${name}": ${spec.description}`);
      else if (spec.default !== undefined) result[name] = spec.default;
      continue;
    }
    const converted = convert(given, spec);
    const problem = converted.problem ?? spec.check?.(converted.value);
    if (problem === undefined) result[name] = converted.value;
    else problems.push(`${owner} option "${name}" ${problem}`);
  }
  if (problems.length > 0) throw new InvalidOptionError(problems);
  return result as O;
}

function convert(value: unknown, spec: OptionSpec): { value: unknown; problem?: string } {
  switch (spec.type) {
    case "string": {
      if (typeof value !== "string")
        return { value, problem: `must be a string, not ${describeType(value)}` };
      if (spec.enum && !spec.enum.includes(value)) {
        return {
          value,
          problem: `must be one of ${spec.enum.map((v) => `"${v}"`).join(", ")}, not "${value}"`,
        };
      }
      return { value };
    }
    case "number":
    case "integer": {
      const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof number !== "number" || Number.isNaN(number)) {
        return { value, problem: `must be a number, not ${JSON.stringify(value)}` };
      }
      if (spec.type === "integer" && !Number.isInteger(number)) {
        return { value, problem: `must be a whole number, not ${number}` };
      }
      if (spec.min !== undefined && number < spec.min)
        return { value, problem: `must be at least ${spec.min}, not ${number}` };
      if (spec.max !== undefined && number > spec.max)
        return { value, problem: `must be at most ${spec.max}, not ${number}` };
      return { value: number };
    }
    case "boolean": {
      if (typeof value === "boolean") return { value };
      if (value === "true" || value === "1") return { value: true };
      if (value === "false" || value === "0") return { value: false };
      return { value, problem: `must be true or false, not ${JSON.stringify(value)}` };
    }
    case "function":
      return typeof value === "function"
        ? { value }
        : { value, problem: `must be a function, not ${describeType(value)}` };
    case "object":
      return typeof value === "object" && value !== null
        ? { value }
        : { value, problem: `must be an object, not ${describeType(value)}` };
  }
}

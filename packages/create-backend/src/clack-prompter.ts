import { confirm, isCancel, multiselect, select, text } from "@clack/prompts";
import { CancelledError } from "./cancelled-error.ts";
import type { Prompter } from "./resolve-answers.ts";

function answered<T>(value: T | symbol): T {
  if (isCancel(value)) throw new CancelledError();
  return value as T;
}

/** A {@link Prompter} that asks with @clack/prompts. */
export const clackPrompter: Prompter = {
  async text(message, initial, validate) {
    return answered<string>(
      await text({
        message,
        initialValue: initial,
        ...(validate === undefined ? {} : { validate: (value) => validate(value ?? "") }),
      }),
    );
  },
  async select(message, choices, initial) {
    return answered(
      await select({
        message,
        options: choices.map((choice) => ({
          value: choice.value,
          label: choice.label,
          hint: choice.hint,
        })),
        initialValue: initial,
      } as Parameters<typeof select>[0]),
    ) as never;
  },
  async multiselect(message, choices, initial) {
    return answered(
      await multiselect({
        message,
        options: choices.map((choice) => ({ value: choice.value, label: choice.label })),
        initialValues: [...initial],
        required: false,
      } as Parameters<typeof multiselect>[0]),
    ) as never;
  },
  async confirm(message, initial) {
    return answered<boolean>(await confirm({ message, initialValue: initial }));
  },
};

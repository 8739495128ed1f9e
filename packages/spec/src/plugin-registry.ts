import type { BackendPlugin } from "./backend-plugin.ts";
import { InvalidOptionError } from "./errors/invalid-option-error.ts";

/**
 * Maps URL schemes to plugins for {@link connect}. Applications register the plugins they
 * use, first-party or third-party, once at start-up.
 */
export class PluginRegistry {
  readonly #byScheme = new Map<string, BackendPlugin<never>>();

  /**
   * Makes `plugin` open URLs with each of its schemes. Registering the same plugin twice is
   * harmless.
   *
   * @throws {InvalidOptionError} `KVKIT_INVALID_OPTION` when a scheme already belongs to a
   *   plugin with another name.
   */
  register<O>(plugin: BackendPlugin<O>): void {
    for (const scheme of plugin.schemes) {
      const taken = this.#byScheme.get(scheme);
      if (taken !== undefined && taken.name !== plugin.name) {
        throw new InvalidOptionError([
          `The scheme "${scheme}:" already belongs to ${taken.name}; ${plugin.name} cannot take it`,
        ]);
      }
    }
    for (const scheme of plugin.schemes) {
      this.#byScheme.set(scheme, plugin as BackendPlugin<never>);
    }
  }

  /** The plugin that opens `scheme` (without the colon), or `undefined`. */
  get(scheme: string): BackendPlugin<never> | undefined {
    return this.#byScheme.get(scheme);
  }

  /** Every registered scheme, sorted. */
  schemes(): string[] {
    return [...this.#byScheme.keys()].sort();
  }
}

/** The registry {@link connect} uses when none is given. */
export const defaultRegistry: PluginRegistry = new PluginRegistry();

/** Registers `plugin` in the {@link defaultRegistry}. */
export function registerPlugin<O>(plugin: BackendPlugin<O>): void {
  defaultRegistry.register(plugin);
}

import {
  type Backend,
  type BackendPlugin,
  CAPABILITY_NAMES,
  ClosedError,
  connect,
  type ListEntry,
  type Manifest,
  PluginRegistry,
  requireCapability,
} from "@kvkit/spec";
import { describe, expect, it } from "vitest";

interface TinyOptions {
  readonly path: string;
  readonly retries: number;
}

const manifest: Manifest = {
  capabilities: { batch: false, health: false, watch: false, atomicWrite: false, ttl: false },
  limits: { maxKeyBytes: 64, maxValueBytes: 64, maxBatchSize: 1 },
  orderedList: false,
  durability: "none",
  sharedStore: false,
  atomicBatch: false,
  watchReach: "in-process",
  watchResumable: false,
  ttlResolutionMs: 0,
  healthTimeoutMs: 0,
};

/** The smallest backend that records how it was opened: connect() is what is under test. */
class TinyBackend implements Backend {
  readonly manifest = manifest;
  readonly options: TinyOptions;
  closed = false;
  constructor(options: TinyOptions) {
    this.options = options;
  }
  async get(): Promise<undefined> {
    if (this.closed) throw new ClosedError();
  }
  async set(): Promise<void> {}
  async delete(): Promise<boolean> {
    return false;
  }
  async has(): Promise<boolean> {
    return false;
  }
  async *list(): AsyncGenerator<ListEntry> {}
  async close(): Promise<void> {
    this.closed = true;
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const tiny: BackendPlugin<TinyOptions> = {
  name: "tiny-backend",
  schemes: ["tiny"],
  manifest,
  options: {
    path: { type: "string", required: true, description: "Where." },
    retries: { type: "integer", min: 0, default: 3, description: "How often." },
  },
  optionsFromUrl: (url) => ({ path: url.pathname }),
  create: (options) => new TinyBackend(options),
};

describe("connect()", () => {
  it("connect() opens a URL through the plugin registered for its scheme", async () => {
    const registry = new PluginRegistry();
    registry.register(tiny);
    const backend = (await connect("tiny:///data/a?retries=5", { registry })) as TinyBackend;
    expect(backend).toBeInstanceOf(TinyBackend);
    expect(backend.options).toEqual({ path: "/data/a", retries: 5 });
  });

  it("connect() lets explicit options override the URL's query parameters", async () => {
    const registry = new PluginRegistry();
    registry.register(tiny);
    const backend = (await connect("tiny:///a?retries=5", {
      registry,
      options: { retries: 1 },
    })) as TinyBackend;
    expect(backend.options.retries).toBe(1);
  });

  it("connect() opens a plugin descriptor directly, with defaults applied", async () => {
    const backend = (await connect(tiny as BackendPlugin<never>, {
      options: { path: "/p" },
    })) as TinyBackend;
    expect(backend.options).toEqual({ path: "/p", retries: 3 });
  });

  it("connect() rejects an unknown scheme with KVKIT_INVALID_OPTION naming the known ones", async () => {
    const registry = new PluginRegistry();
    registry.register(tiny);
    await expect(connect("nope://x", { registry })).rejects.toMatchObject({
      code: "KVKIT_INVALID_OPTION",
      message: expect.stringContaining("tiny:"),
    });
  });

  it("connect() rejects a string that is not a URL with KVKIT_INVALID_OPTION", async () => {
    await expect(connect("not a url", { registry: new PluginRegistry() })).rejects.toMatchObject({
      code: "KVKIT_INVALID_OPTION",
    });
  });

  it("connect() rejects invalid options with every problem listed", async () => {
    const registry = new PluginRegistry();
    registry.register(tiny);
    await expect(connect("tiny:///a?retries=-1&color=red", { registry })).rejects.toMatchObject({
      code: "KVKIT_INVALID_OPTION",
      problems: [expect.stringContaining('"color"'), expect.stringContaining('"retries"')],
    });
  });

  it("connect() closes the backend and rejects KVKIT_NOT_SUPPORTED when a required capability is missing", async () => {
    let opened: TinyBackend | undefined;
    const plugin: BackendPlugin<TinyOptions> = {
      ...tiny,
      create: (options) => {
        opened = new TinyBackend(options);
        return opened;
      },
    };
    await expect(
      connect(plugin as BackendPlugin<never>, { options: { path: "/p" }, require: ["watch"] }),
    ).rejects.toMatchObject({ code: "KVKIT_NOT_SUPPORTED" });
    expect(opened?.closed).toBe(true);
  });

  it("requireCapability() throws KVKIT_NOT_SUPPORTED for every undeclared capability", () => {
    const backend = new TinyBackend({ path: "/", retries: 0 });
    for (const name of CAPABILITY_NAMES) {
      expect(() => requireCapability(backend, name)).toThrow(
        expect.objectContaining({ code: "KVKIT_NOT_SUPPORTED" }),
      );
    }
  });
});

describe("PluginRegistry", () => {
  it("register() refuses a scheme that another plugin already owns", () => {
    const registry = new PluginRegistry();
    registry.register(tiny);
    registry.register(tiny);
    expect(() => registry.register({ ...tiny, name: "other" })).toThrow(
      expect.objectContaining({ code: "KVKIT_INVALID_OPTION" }),
    );
    expect(registry.schemes()).toEqual(["tiny"]);
  });
});

import { connect, PluginRegistry } from "@kvkit/spec";
import { afterAll, describe, expect, it } from "vitest";
import { manifest, plugin } from "../src/index.ts";
import { startKvServer } from "./support/kv-server.ts";

const server = await startKvServer();
afterAll(() => server.close());

describe("plugin", () => {
  it("connect() opens the backend from a URL with the plugin's scheme", async () => {
    const registry = new PluginRegistry();
    registry.register(plugin);
    const url = `${plugin.schemes[0]}://127.0.0.1:${server.port}`;
    await using backend = await connect(url, { registry });
    await backend.set("greeting", new TextEncoder().encode("hello"));
    expect(new TextDecoder().decode(await backend.get("greeting"))).toBe("hello");
  });

  it("connect() opens a backend that declares the exported manifest", async () => {
    await using backend = await connect(plugin, { options: { url: server.url } });
    expect(backend.manifest).toEqual(manifest);
  });
});

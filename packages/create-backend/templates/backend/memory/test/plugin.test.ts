import { connect, PluginRegistry } from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { manifest, plugin } from "../src/index.ts";

describe("plugin", () => {
  it("connect() opens the backend from a URL with the plugin's scheme", async () => {
    const registry = new PluginRegistry();
    registry.register(plugin);
    await using backend = await connect(`${plugin.schemes[0]}://plugin-test`, { registry });
    await backend.set("greeting", new TextEncoder().encode("hello"));
    expect(new TextDecoder().decode(await backend.get("greeting"))).toBe("hello");
  });

  it("connect() opens a backend that declares the exported manifest", async () => {
    await using backend = await connect(plugin);
    expect(backend.manifest).toEqual(manifest);
  });
});

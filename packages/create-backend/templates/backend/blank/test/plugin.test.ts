import { connect } from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { manifest, plugin } from "../src/index.ts";

describe("plugin", () => {
  it("connect() opens a backend that declares the exported manifest", async () => {
    await using backend = await connect(plugin);
    expect(backend.manifest).toEqual(manifest);
  });
});

import { FaultProxy } from "@kvkit/testkit";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { TemplateBackend } from "../src/index.ts";
import { startKvServer } from "./support/kv-server.ts";

const server = await startKvServer();
afterAll(() => server.close());

// The client talks to the server through @kvkit/testkit's fault-injecting TCP proxy.
let proxy: FaultProxy;
let backend: TemplateBackend;
beforeEach(async () => {
  proxy = await FaultProxy.start({ targetPort: server.port });
  backend = new TemplateBackend({
    url: `http://127.0.0.1:${proxy.port}`,
    prefix: `${crypto.randomUUID()}/`,
    timeoutMs: 300,
  });
});
afterEach(async () => {
  await backend.close();
  await proxy.close();
});

const value = new TextEncoder().encode("v");

describe("faults", () => {
  it("get() resolves through a healthy proxy", async () => {
    await backend.set("k", value);
    expect(await backend.get("k")).toEqual(value);
  });

  it("get() rejects with KVKIT_TIMEOUT when the server stops answering", async () => {
    proxy.blackhole();
    await expect(backend.get("k")).rejects.toMatchObject({ code: "KVKIT_TIMEOUT" });
  });

  it("set() rejects with KVKIT_OUTCOME_UNKNOWN when its reply is lost", async () => {
    proxy.dropNextReply((request) => request.includes("PUT"));
    await expect(backend.set("k", value)).rejects.toMatchObject({ code: "KVKIT_OUTCOME_UNKNOWN" });
    // The write reached the server; only its answer was lost.
    proxy.heal();
    expect(await backend.get("k")).toEqual(value);
  });

  it("get() rejects with KVKIT_UNAVAILABLE when connections are refused", async () => {
    proxy.refuse();
    proxy.cut();
    await expect(backend.get("k")).rejects.toMatchObject({ code: "KVKIT_UNAVAILABLE" });
  });

  it("get() succeeds again once the fault heals", async () => {
    await backend.set("k", value);
    proxy.blackhole();
    await expect(backend.get("k")).rejects.toMatchObject({ code: "KVKIT_TIMEOUT" });
    proxy.heal();
    expect(await backend.get("k")).toEqual(value);
  });
});

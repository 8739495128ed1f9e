import { FaultProxy } from "@kvkit/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { manifest, TemplateBackend } from "../src/index.ts";
import { startKvServer } from "./support/kv-server.ts";

const server = await startKvServer();
afterAll(() => server.close());

describe("health", () => {
  it("health() reports ok while the server answers", async () => {
    await using backend = new TemplateBackend({ url: server.url });
    expect((await backend.health()).status).toBe("ok");
  });

  it("health() reports unavailable within healthTimeoutMs when the server stops answering", async () => {
    const proxy = await FaultProxy.start({ targetPort: server.port });
    await using backend = new TemplateBackend({ url: `http://127.0.0.1:${proxy.port}` });
    proxy.blackhole();
    const started = performance.now();
    const report = await backend.health();
    expect(report.status).toBe("unavailable");
    expect(performance.now() - started).toBeLessThanOrEqual(manifest.healthTimeoutMs);
    await proxy.close();
  });
});

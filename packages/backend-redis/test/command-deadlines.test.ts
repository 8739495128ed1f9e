import { Command, Redis } from "ioredis";
import { afterAll, expect, it } from "vitest";
import { COMMAND_TIMED_OUT, CommandDeadlines } from "../src/command-deadlines.ts";
import { startRedis } from "./helpers/redis-server.ts";
import { settle } from "./helpers/settle.ts";

// CommandDeadlines on real ioredis connections to a real server, paused with CLIENT PAUSE so that
// nothing is answered.

const server = await startRedis();
const clients: Redis[] = [];
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server.stop();
});

async function connection(deadlines?: CommandDeadlines): Promise<Redis> {
  const client = new Redis(server.port, "127.0.0.1", { lazyConnect: true });
  clients.push(client);
  await client.connect();
  deadlines?.add(client);
  return client;
}

it("a command sent again after its deadline (a Cluster redirection) leaves the commands ahead of it under the deadline", async () => {
  const deadlines = new CommandDeadlines(200);
  const first = await connection(deadlines);
  const second = await connection(deadlines);
  const control = await connection();
  await control.call("CLIENT", "PAUSE", "1500", "ALL");
  const redirected = new Command("get", ["k"]);
  const expired = await settle(() => first.sendCommand(redirected) as Promise<unknown>);
  expect((expired.error as Error).message).toBe(COMMAND_TIMED_OUT);
  // A late MOVED, ASK or TRYAGAIN answer makes the Cluster client send the same command object
  // again, to another connection, behind the commands already waiting there.
  const ahead = settle(() => second.get("k"));
  void second.sendCommand(redirected);
  const outcome = await ahead;
  expect((outcome.error as Error | undefined)?.message).toBe(COMMAND_TIMED_OUT);
  expect(outcome.ms).toBeLessThan(400);
});

import { getEventListeners } from "node:events";
import { type WatchEvent, WatchEventQueue } from "@kvkit/spec";
import { describe, expect, it } from "vitest";

function set(key: string, cursor?: string): WatchEvent {
  return { type: "set", key, cursor };
}

/** Reads every buffered event: `next()` until one stays pending past a macrotask. */
async function drain(queue: WatchEventQueue): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for (;;) {
    const next = queue.next();
    const settled = await Promise.race([
      next,
      new Promise<"pending">((resolve) => setTimeout(resolve, 0, "pending")),
    ]);
    if (settled === "pending") {
      queue.end();
      return events;
    }
    if (settled.done) return events;
    events.push(settled.value);
  }
}

/** What `promise` settled with, once it has; rejections are returned. */
function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => error,
  );
}

describe("WatchEventQueue", () => {
  it("next() yields pushed events in push order", async () => {
    const queue = new WatchEventQueue({ bufferSize: 8 });
    for (const key of ["a", "b", "c"]) queue.push(set(key));
    expect((await drain(queue)).map((event) => event.type !== "gap" && event.key)).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("next() keeps order across interleaved pushes and reads", async () => {
    const queue = new WatchEventQueue({ bufferSize: 4 });
    const seen: string[] = [];
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < round % 4; i++) queue.push(set(`${round}.${i}`));
      for (let i = 0; i < round % 4; i++) {
        const { value } = await queue.next();
        seen.push(value?.type === "set" ? value.key : "?");
      }
    }
    const expected: string[] = [];
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < round % 4; i++) expected.push(`${round}.${i}`);
    }
    expect(seen).toEqual(expected);
  });

  it("push() hands the event to a pending next()", async () => {
    const queue = new WatchEventQueue({ bufferSize: 1 });
    const pending = queue.next();
    queue.push(set("a"));
    expect(await pending).toEqual({ value: set("a"), done: false });
    // The handed-over event did not also stay buffered.
    expect(await drain(queue)).toEqual([]);
  });

  it("push() beyond bufferSize drops what waits and yields one overflow gap, then the pushed event", async () => {
    const queue = new WatchEventQueue({ bufferSize: 3 });
    for (let i = 1; i <= 4; i++) queue.push(set(`k${i}`, `c${i}`));
    expect(await drain(queue)).toEqual([
      { type: "gap", reason: "overflow", cursor: "c3" },
      set("k4", "c4"),
    ]);
  });

  it("push() never buffers more than bufferSize events however far the consumer falls behind", async () => {
    const bufferSize = 5;
    const queue = new WatchEventQueue({ bufferSize });
    for (let i = 0; i < 1000; i++) queue.push(set(`k${i}`, `c${i}`));
    const events = await drain(queue);
    expect(events.length).toBeLessThanOrEqual(bufferSize);
    expect(events[0]).toMatchObject({ type: "gap", reason: "overflow" });
    expect(events.at(-1)).toEqual(set("k999", "c999"));
    // Resuming after the gap's cursor continues with the event that follows it.
    const gap = events[0] as WatchEvent;
    const afterGap = events[1] as WatchEvent;
    expect(Number(gap.cursor?.slice(1)) + 1).toBe(Number(afterGap.cursor?.slice(1)));
  });

  it("push() within bufferSize loses nothing", async () => {
    const queue = new WatchEventQueue({ bufferSize: 16 });
    for (let i = 0; i < 16; i++) queue.push(set(`k${i}`));
    expect((await drain(queue)).map((event) => event.type)).toEqual(Array(16).fill("set"));
  });

  it("constructor throws KVKIT_INVALID_OPTION for a bufferSize that is not a positive integer", () => {
    for (const bufferSize of [0, -1, 1.5, Number.NaN]) {
      expect(() => new WatchEventQueue({ bufferSize }), String(bufferSize)).toThrow(
        expect.objectContaining({ code: "KVKIT_INVALID_OPTION" }),
      );
    }
  });

  it("constructor throws KVKIT_ABORTED when the signal has already fired, without calling onEnd", () => {
    const reason = new Error("already");
    let ended = 0;
    expect(
      () =>
        new WatchEventQueue({
          bufferSize: 1,
          signal: AbortSignal.abort(reason),
          onEnd: () => ended++,
        }),
    ).toThrow(expect.objectContaining({ code: "KVKIT_ABORTED", cause: reason }));
    expect(ended).toBe(0);
  });

  it("[Symbol.asyncIterator]() throws TypeError the second time", () => {
    const queue = new WatchEventQueue({ bufferSize: 1 });
    expect(queue[Symbol.asyncIterator]()).toBe(queue);
    expect(() => queue[Symbol.asyncIterator]()).toThrow(TypeError);
  });

  it("close() resolves a pending next() done and discards buffered events", async () => {
    const queue = new WatchEventQueue({ bufferSize: 4 });
    const pending = queue.next();
    await queue.close();
    expect(await pending).toEqual({ value: undefined, done: true });

    const buffered = new WatchEventQueue({ bufferSize: 4 });
    buffered.push(set("a"));
    await buffered.close();
    expect(await buffered.next()).toEqual({ value: undefined, done: true });
    buffered.push(set("b"));
    expect(await buffered.next()).toEqual({ value: undefined, done: true });
    await buffered.close();
  });

  it("return() (break) ends the stream normally and calls onEnd once", async () => {
    let ended = 0;
    const queue = new WatchEventQueue({ bufferSize: 4, onEnd: () => ended++ });
    queue.push(set("a"));
    queue.push(set("b"));
    const seen: string[] = [];
    for await (const event of queue) {
      if (event.type === "set") seen.push(event.key);
      break;
    }
    expect(seen).toEqual(["a"]);
    expect(queue.ended).toBe(true);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    await queue.close();
    await queue[Symbol.asyncDispose]();
    expect(ended).toBe(1);
  });

  it("[Symbol.asyncDispose]() ends the stream normally", async () => {
    let ended = 0;
    {
      await using queue = new WatchEventQueue({ bufferSize: 4, onEnd: () => ended++ });
      queue.push(set("a"));
    }
    expect(ended).toBe(1);
  });

  it("signal abort rejects the pending next() with KVKIT_ABORTED whose cause is the reason", async () => {
    const controller = new AbortController();
    let ended = 0;
    const queue = new WatchEventQueue({
      bufferSize: 4,
      signal: controller.signal,
      onEnd: () => ended++,
    });
    const pending = outcome(queue.next());
    const reason = new Error("stop watching");
    controller.abort(reason);
    expect(await pending).toMatchObject({
      code: "KVKIT_ABORTED",
      name: "AbortError",
      cause: reason,
    });
    expect(await outcome(queue.next())).toMatchObject({ code: "KVKIT_ABORTED", cause: reason });
    expect(ended).toBe(1);
  });

  it("signal abort discards buffered events: the next next() rejects", async () => {
    const controller = new AbortController();
    const queue = new WatchEventQueue({ bufferSize: 4, signal: controller.signal });
    queue.push(set("a"));
    controller.abort();
    expect(await outcome(queue.next())).toMatchObject({ code: "KVKIT_ABORTED" });
  });

  it("close() removes the abort listener, and a later abort changes nothing", async () => {
    const controller = new AbortController();
    let ended = 0;
    const queue = new WatchEventQueue({
      bufferSize: 4,
      signal: controller.signal,
      onEnd: () => ended++,
    });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    await queue.close();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    controller.abort();
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(ended).toBe(1);
  });

  it("constructor leaves no listener behind on a shared signal once its streams end", async () => {
    const controller = new AbortController();
    const queues = Array.from(
      { length: 9 },
      () => new WatchEventQueue({ bufferSize: 1, signal: controller.signal }),
    );
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(9);
    for (const [i, queue] of queues.entries()) {
      if (i % 3 === 0) await queue.close();
      else if (i % 3 === 1) queue.end();
      else queue.fail(new Error("broken"));
    }
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("fail() rejects the pending and every later next() with the error", async () => {
    let ended = 0;
    const queue = new WatchEventQueue({ bufferSize: 4, onEnd: () => ended++ });
    const pending = outcome(queue.next());
    const error = new Error("producer broke");
    queue.fail(error);
    expect(await pending).toBe(error);
    expect(await outcome(queue.next())).toBe(error);
    queue.fail(new Error("ignored"));
    await queue.close();
    expect(await outcome(queue.next())).toBe(error);
    expect(ended).toBe(1);
  });

  it("end() resolves a pending next() done and ignores later pushes", async () => {
    const queue = new WatchEventQueue({ bufferSize: 4 });
    const pending = queue.next();
    queue.end();
    queue.push(set("late"));
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });
});

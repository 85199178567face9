/**
 * Stream adapters: `on`/`once` over EventEmitter and EventTarget (listeners
 * removed on close, on forEach's end and on cancellation), `fromAsyncIterable`
 * (return() on close, errors, a Node Readable read no further ahead than the
 * consumer), and the line reader as a Stream.
 */
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  type Coroutine,
  filter,
  forEach,
  fromAsyncIterable,
  isStream,
  map,
  on,
  once,
  race,
  run,
  type Stream,
  select,
  sleep,
  spawn,
  take,
} from "corio";
import { reader } from "corio/fs";
import { signal } from "corio/signal";
import { runTest } from "corio/testing";
import { afterAll, describe, expect, it } from "vitest";

/** An EventTarget that counts its listeners, to check none is left behind. */
class CountingTarget extends EventTarget {
  listeners = 0;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
  ): void {
    this.listeners++;
    super.addEventListener(type, listener);
  }
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
  ): void {
    this.listeners--;
    super.removeEventListener(type, listener);
  }
}

function* collect<T>(stream: Stream<T>): Coroutine<T[]> {
  const out: T[] = [];
  yield* forEach(stream, function* (item) {
    out.push(item);
  });
  return out;
}

describe("on", () => {
  it("streams an emitter's events (first argument) in order, buffered from the call on", async () => {
    await runTest(function* () {
      const emitter = new EventEmitter();
      const s = on<number>(emitter, "n");
      emitter.emit("n", 1, "ignored");
      emitter.emit("n", 2);
      spawn(function* () {
        yield* sleep(5);
        emitter.emit("n", 3);
      });
      expect(yield* collect(take(s, 3))).toEqual([1, 2, 3]);
      expect(emitter.listenerCount("n")).toBe(0);
    });
  });

  it("streams an EventTarget's event objects and removes its listener on close", async () => {
    await runTest(function* () {
      const target = new CountingTarget();
      const s = on<Event>(target, "ping");
      expect(target.listeners).toBe(1);
      target.dispatchEvent(new Event("ping"));
      const r = yield* s.recv();
      expect(!r.done && r.value.type).toBe("ping");
      s.close();
      s.close();
      expect(target.listeners).toBe(0);
      expect(yield* s.recv()).toEqual({ done: true, value: undefined });
    });
  });

  it("a close wakes a waiting recv with done", async () => {
    await runTest(function* () {
      const emitter = new EventEmitter();
      const s = on(emitter, "x");
      const waiting = spawn(s.recv());
      yield* sleep(1);
      s.close();
      expect(yield* waiting).toEqual({ done: true, value: undefined });
    });
  });

  it("forEach's end, its body's error and its task's cancellation each remove the listener", async () => {
    await runTest(function* () {
      const emitter = new EventEmitter();
      emitter.setMaxListeners(1);
      // Ends by take:
      spawn(function* () {
        yield* sleep(1);
        emitter.emit("e", 1);
      });
      yield* forEach(take(on(emitter, "e"), 1), function* () {});
      expect(emitter.listenerCount("e")).toBe(0);
      // Body throws:
      spawn(function* () {
        yield* sleep(1);
        emitter.emit("e", 1);
      });
      try {
        yield* forEach(on(emitter, "e"), function* () {
          throw new Error("stop");
        });
      } catch {}
      expect(emitter.listenerCount("e")).toBe(0);
      // Cancelled while waiting:
      const task = spawn(forEach(on(emitter, "e"), function* () {}));
      yield* sleep(5);
      expect(emitter.listenerCount("e")).toBe(1);
      task.cancel();
      try {
        yield* task;
      } catch {}
      expect(emitter.listenerCount("e")).toBe(0);
    });
  });

  it("a recv cancelled inside select took no event", async () => {
    await runTest(function* () {
      const emitter = new EventEmitter();
      using s = on<string>(emitter, "msg");
      const lost = yield* select({ msg: s.recv(), tick: sleep(5) });
      expect(lost.key).toBe("tick");
      emitter.emit("msg", "kept");
      const got = yield* race([sleep(0), s.recv()] as const);
      // The race may end either way; the event is never lost.
      if (got === undefined) expect(yield* s.recv()).toEqual({ done: false, value: "kept" });
      else expect(got).toEqual({ done: false, value: "kept" });
      expect(s.buffered).toBe(0);
    });
  });

  it("rejects what is neither an EventTarget nor an EventEmitter, naming it", () => {
    expect(() => on({ on: 1 } as never, "x")).toThrow(
      /on\(target, event\): expected an EventTarget or an EventEmitter, got an Object/,
    );
    expect(() => on(null as never, "x")).toThrow(/got null/);
    expect(() => on(new Map() as never, "x")).toThrow(/got a Map/);
    expect(() => once(5 as never, "x")).toThrow(/once\(target, event\): .* got 5/);
    expect(() => on(new EventTarget(), Symbol("s"))).toThrow(/event must be a string/);
  });

  it("works with plain maps and filters", async () => {
    await runTest(function* () {
      const emitter = new EventEmitter();
      spawn(function* () {
        for (let i = 0; i < 6; i++) {
          yield* sleep(1);
          emitter.emit("n", i);
        }
      });
      const s = take(
        map(
          filter(on<number>(emitter, "n"), (n) => n % 2 === 1),
          (n) => n * 10,
        ),
        3,
      );
      expect(yield* collect(s)).toEqual([10, 30, 50]);
      expect(emitter.listenerCount("n")).toBe(0);
    });
  });
});

describe("once", () => {
  it("resolves with the next event; lazy until polled", async () => {
    await runTest(function* () {
      const emitter = new EventEmitter();
      const f = once<number>(emitter, "ready");
      expect(emitter.listenerCount("ready")).toBe(0); // not polled yet
      spawn(function* () {
        yield* sleep(3);
        emitter.emit("ready", 8080);
      });
      expect(yield* f).toBe(8080);
      expect(emitter.listenerCount("ready")).toBe(0);
      const target = new CountingTarget();
      spawn(function* () {
        yield* sleep(1);
        target.dispatchEvent(new Event("go"));
      });
      const e = yield* once<Event>(target, "go");
      expect(e.type).toBe("go");
      expect(target.listeners).toBe(0);
    });
  });

  it("cancelled: its listener is removed", async () => {
    await runTest(function* () {
      const emitter = new EventEmitter();
      const target = new CountingTarget();
      const got = yield* select({
        e: once(emitter, "never"),
        t: once(target, "never"),
        tick: sleep(5),
      });
      expect(got.key).toBe("tick");
      expect(emitter.listenerCount("never")).toBe(0);
      expect(target.listeners).toBe(0);
    });
  });
});

describe("fromAsyncIterable", () => {
  it("streams an async generator; close() calls its return()", async () => {
    let finalized = false;
    async function* forever() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    }
    await run(function* () {
      expect(yield* collect(take(fromAsyncIterable(forever()), 3))).toEqual([0, 1, 2]);
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(finalized).toBe(true);
  });

  it("passes the iterator's error to recv", async () => {
    async function* failing() {
      yield 1;
      throw new Error("source failed");
    }
    await run(function* () {
      const s = fromAsyncIterable(failing());
      expect(yield* s.recv()).toEqual({ done: false, value: 1 });
      let error: unknown;
      try {
        yield* s.recv();
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).toBe("source failed");
    });
  });

  it("a recv cancelled inside select took nothing", async () => {
    async function* slow() {
      await new Promise((r) => setTimeout(r, 20));
      yield "a";
      yield "b";
    }
    await run(function* () {
      const s = fromAsyncIterable(slow());
      const lost = yield* select({ item: s.recv(), tick: sleep(1) });
      expect(lost.key).toBe("tick");
      expect(yield* collect(s)).toEqual(["a", "b"]);
    });
  });

  it("reads a Readable no further ahead than its consumer (backpressure)", async () => {
    let produced = 0;
    const readable = new Readable({
      objectMode: true,
      highWaterMark: 2,
      read() {
        if (produced < 1000) this.push(produced++);
        else this.push(null);
      },
    });
    const lead: number[] = [];
    await run(function* () {
      let consumed = 0;
      yield* forEach(take(fromAsyncIterable<number>(readable), 50), function* (n) {
        expect(n).toBe(consumed);
        consumed++;
        yield* sleep(1);
        lead.push(produced - consumed);
      });
    });
    expect(Math.max(...lead)).toBeLessThanOrEqual(4); // highWaterMark plus the chunk in hand
    expect(produced).toBeLessThan(60); // the other 940 were never read
    await new Promise((r) => setTimeout(r, 10));
    expect(readable.destroyed).toBe(true); // close() called return()
  });

  it("rejects what is not async iterable, naming it", () => {
    expect(() => fromAsyncIterable(42 as never)).toThrow(/expected an async iterable, got 42/);
    expect(() => fromAsyncIterable([1, 2] as never)).toThrow(/got an Array/);
    expect(isStream(fromAsyncIterable((async function* () {})()))).toBe(true);
  });
});

describe("signal streams", () => {
  it("are streams: forEach over one, closed at the end", async () => {
    await run(function* () {
      const hup = signal("SIGUSR2");
      expect(isStream(hup)).toBe(true);
      spawn(function* () {
        yield* sleep(5);
        process.kill(process.pid, "SIGUSR2");
      });
      const got = yield* collect(take(hup, 1));
      expect(got).toEqual(["SIGUSR2"]);
      expect(process.listenerCount("SIGUSR2")).toBe(0); // take closed the signal stream
    });
  });
});

describe("line reader", () => {
  const dir = mkdtempSync(join(tmpdir(), "corio-streams-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reader() is a Stream of lines, closed by forEach", async () => {
    const path = join(dir, "lines.txt");
    writeFileSync(path, "alpha\nbeta\r\ngamma");
    await run(function* () {
      const lines = yield* reader(path);
      expect(isStream(lines)).toBe(true);
      expect(yield* collect(lines)).toEqual(["alpha", "beta", "gamma"]);
      expect(lines.statistics().closed).toBe(true);
    });
  });

  it("a line recv cancelled inside select took nothing", async () => {
    const path = join(dir, "two.txt");
    writeFileSync(path, "one\ntwo\n");
    await run(function* () {
      using lines = yield* reader(path);
      yield* select({ line: lines.recv(), now: sleep(0) });
      // Whichever won, every line is read exactly once.
      const rest = yield* collect(lines);
      expect(["one,two", "two"]).toContain(rest.join());
    });
  });
});

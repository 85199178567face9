/**
 * Streams: forEach, map, filter, take, merge, chunks (by size and by time on
 * the virtual clock), their cancel safety inside select, closing sources, bad
 * input, and fast-check properties for merge and chunks.
 */
import {
  broadcast,
  type Coroutine,
  channel,
  chunks,
  filter,
  forEach,
  isStream,
  map,
  merge,
  now,
  type Receiver,
  type Stream,
  select,
  sleep,
  spawn,
  TimeoutError,
  take,
  timeout,
  unboundedChannel,
  watch,
  yieldNow,
} from "corio";
import { runTest } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** A channel holding `items`, closed, so its receiver ends after them. */
function source<T>(items: T[]): Receiver<T> {
  const [tx, rx] = channel<T>(Math.max(1, items.length));
  for (const item of items) tx.trySend(item);
  tx.close();
  return rx;
}

function* collect<T>(stream: Stream<T>): Coroutine<T[]> {
  const out: T[] = [];
  yield* forEach(stream, function* (item) {
    out.push(item);
  });
  return out;
}

/** A stream that records whether it was closed, over a source. */
function closable<T>(inner: Stream<T>): Stream<T> & { closed: boolean } {
  const s = {
    closed: false,
    recv: () => inner.recv(),
    close() {
      s.closed = true;
      inner.close();
    },
  };
  return s;
}

describe("Stream", () => {
  it("channel, broadcast and watch receivers are streams", async () => {
    await runTest(function* () {
      const [, rx] = channel<number>(1);
      const [btx, brx] = broadcast<number>(4);
      const [wtx, wrx] = watch(0);
      expect([rx, brx, wrx].every(isStream)).toBe(true);
      expect(isStream({ recv: 1 })).toBe(false);
      btx.send(1);
      btx.close();
      expect(yield* collect(brx)).toEqual([1]);
      spawn(function* () {
        wtx.send(1);
        yield* sleep(1);
        wtx.send(2);
        yield* sleep(1);
        wtx.close();
      });
      expect(yield* collect(wrx)).toEqual([1, 2]);
    });
  });

  it("a watch recv that loses a select marked nothing seen", async () => {
    await runTest(function* () {
      const [tx, rx] = watch("a");
      const got = yield* select({ value: rx.recv(), tick: sleep(5) });
      expect(got.key).toBe("tick");
      tx.send("b");
      const r = yield* rx.recv();
      expect(r).toEqual({ done: false, value: "b" });
    });
  });
});

describe("forEach", () => {
  it("runs the body on each item in order and closes the stream at its end", async () => {
    await runTest(function* () {
      const s = closable(source([1, 2, 3]));
      const seen: number[] = [];
      yield* forEach(s, function* (n) {
        yield* sleep(1);
        seen.push(n);
      });
      expect(seen).toEqual([1, 2, 3]);
      expect(s.closed).toBe(true);
    });
  });

  it("closes the stream when the body throws", async () => {
    await runTest(function* () {
      const s = closable(source([1, 2]));
      let error: unknown;
      try {
        yield* forEach(s, function* () {
          throw new Error("boom");
        });
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).toBe("boom");
      expect(s.closed).toBe(true);
    });
  });

  it("closes the stream when its task is cancelled while waiting", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const s = closable(rx);
      const task = spawn(forEach(s, function* () {}));
      yield* sleep(5);
      task.cancel();
      try {
        yield* task;
      } catch {}
      expect(s.closed).toBe(true);
      expect(() => tx.trySend(1)).toThrow(); // the receiver is gone
    });
  });

  it("lets other tasks run while it drains a full stream (cooperative budget)", async () => {
    await runTest(function* () {
      const [tx, rx] = unboundedChannel<number>();
      for (let i = 0; i < 10_000; i++) tx.trySend(i);
      tx.close();
      let ticks = 0;
      const ticker = spawn(function* () {
        for (;;) {
          ticks++;
          yield* yieldNow();
        }
      });
      let seenAtTicks = -1;
      yield* forEach(rx, function* (n) {
        if (n === 5_000) seenAtTicks = ticks;
      });
      ticker.cancel();
      expect(seenAtTicks).toBeGreaterThan(10); // the ticker ran while the items were drained
    });
  });

  it("rejects a non-stream and a non-function body, naming the value", async () => {
    await runTest(function* () {
      let error: unknown;
      try {
        yield* forEach(42 as never, function* () {});
      } catch (e) {
        error = e;
      }
      expect(String(error)).toMatch(/forEach\(stream\): expected a stream .* got 42/);
    });
  });
});

describe("map, filter, take", () => {
  it("map applies the function; filter keeps what passes", async () => {
    await runTest(function* () {
      const out = yield* collect(
        map(
          filter(source([1, 2, 3, 4, 5, 6]), (n) => n % 2 === 0),
          (n) => `#${n}`,
        ),
      );
      expect(out).toEqual(["#2", "#4", "#6"]);
    });
  });

  it("take ends after n items and closes its source", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(8);
      for (let i = 0; i < 5; i++) tx.trySend(i);
      const s = closable(rx);
      expect(yield* collect(take(s, 2))).toEqual([0, 1]);
      expect(s.closed).toBe(true);
      expect(yield* collect(take(source([1]), 0))).toEqual([]);
    });
  });

  it("closing an operator's stream closes its source", async () => {
    await runTest(function* () {
      const a = closable(source([1]));
      const b = closable(source([2]));
      const m = map(merge(a, b), (n) => n);
      m.close();
      expect(a.closed && b.closed).toBe(true);
      expect(yield* m.recv()).toEqual({ done: true, value: undefined });
    });
  });

  it("two tasks receiving from one operator stream each get items; none is lost", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const s = filter(
        map(rx, (n) => n + 1),
        () => true,
      );
      const got: number[][] = [[], []];
      const workers = [0, 1].map((w) =>
        spawn(function* () {
          for (let r = yield* s.recv(); !r.done; r = yield* s.recv()) {
            got[w].push(r.value);
            yield* sleep(3);
          }
        }),
      );
      for (let i = 0; i < 20; i++) yield* tx.send(i);
      tx.close();
      for (const w of workers) yield* w;
      expect(got[0].length).toBeGreaterThan(0);
      expect(got[1].length).toBeGreaterThan(0);
      expect([...got[0], ...got[1]].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });
  });

  it("an error thrown by fn comes out of recv", async () => {
    await runTest(function* () {
      const s = map(source([1]), () => {
        throw new Error("bad item");
      });
      let error: unknown;
      try {
        yield* s.recv();
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).toBe("bad item");
    });
  });

  it("a cancelled recv inside select took nothing (map, filter, take)", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const s = take(
        filter(
          map(rx, (n) => n * 10),
          (n) => n > 0,
        ),
        3,
      );
      const lost = yield* select({ item: s.recv(), tick: sleep(5) });
      expect(lost.key).toBe("tick");
      tx.trySend(1);
      const timedOut = yield* select({ item: s.recv(), tick: sleep(0) });
      // Either the item arrived in time or it is still in the channel: never lost.
      if (timedOut.key === "item") expect(timedOut.value).toEqual({ done: false, value: 10 });
      else expect(yield* s.recv()).toEqual({ done: false, value: 10 });
    });
  });

  it("a recv that hits a timeout took nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(2);
      const s = map(rx, (n) => n);
      let timedOut = false;
      try {
        yield* timeout(5, s.recv());
      } catch (e) {
        timedOut = e instanceof TimeoutError;
      }
      expect(timedOut).toBe(true);
      tx.trySend(7);
      expect(yield* s.recv()).toEqual({ done: false, value: 7 });
    });
  });

  it("bad input is a clear error naming the value", () => {
    const rx = source([1]);
    expect(() => map({} as never, (x) => x)).toThrow(
      /map\(stream, fn\): expected a stream .* got an? Object/,
    );
    expect(() => map(rx, 3 as never)).toThrow(/fn must be a function, got 3/);
    expect(() => filter(null as never, () => true)).toThrow(/got null/);
    expect(() => take(rx, -1)).toThrow(/n must be a non-negative integer, got -1/);
    expect(() => take(rx, 1.5)).toThrow(/got 1.5/);
    expect(() => take(rx, Number.NaN)).toThrow(/got NaN/);
    expect(() => merge(rx, "x" as never)).toThrow(/merge\(\.\.\.streams\): stream 1: .* got "x"/);
    expect(() => chunks(rx, { size: 0 })).toThrow(/size must be a positive integer, got 0/);
    expect(() => chunks(rx, { size: 2.5 })).toThrow(/got 2.5/);
    expect(() => chunks(rx, { timeMs: -1 })).toThrow(
      /timeMs must be a non-negative number, got -1/,
    );
    expect(() => chunks(rx, { timeMs: Number.NaN })).toThrow(/got NaN/);
    expect(() => chunks(rx, {})).toThrow(/give a size, a timeMs, or both/);
  });
});

describe("merge", () => {
  it("interleaves sources as items arrive and ends when all have ended", async () => {
    await runTest(function* () {
      const [a, ra] = channel<string>(1);
      const [b, rb] = channel<string>(1);
      spawn(function* () {
        yield* sleep(10);
        yield* a.send("a1");
        yield* sleep(20);
        yield* a.send("a2");
        a.close();
      });
      spawn(function* () {
        yield* sleep(20);
        yield* b.send("b1");
        b.close();
      });
      expect(yield* collect(merge(ra, rb))).toEqual(["a1", "b1", "a2"]);
    });
  });

  it("a cancelled merge recv took nothing from any source", async () => {
    await runTest(function* () {
      const [a, ra] = channel<number>(1);
      const [b, rb] = channel<number>(1);
      spawn(function* () {
        for (let i = 0; i < 10; i++) {
          yield* sleep(3);
          yield* a.send(i);
        }
        a.close();
      });
      spawn(function* () {
        for (let i = 100; i < 110; i++) {
          yield* sleep(5);
          yield* b.send(i);
        }
        b.close();
      });
      const m = merge(ra, rb);
      const got: number[] = [];
      let lost = 0;
      for (;;) {
        const r = yield* select({ item: m.recv(), tick: sleep(2) });
        if (r.key === "tick") {
          lost++;
          continue;
        }
        if (r.value.done) break;
        got.push(r.value.value);
      }
      expect(lost).toBeGreaterThan(0); // recvs were cancelled while waiting...
      expect(got.sort((x, y) => x - y)).toEqual([
        ...Array.from({ length: 10 }, (_, i) => i),
        ...Array.from({ length: 10 }, (_, i) => 100 + i),
      ]); // ...and none of them took an item
    });
  });
});

describe("chunks", () => {
  it("batches by size, with the partial one at the end", async () => {
    await runTest(function* () {
      expect(yield* collect(chunks(source([1, 2, 3, 4, 5]), { size: 2 }))).toEqual([
        [1, 2],
        [3, 4],
        [5],
      ]);
      expect(yield* collect(chunks(source<number>([]), { size: 2 }))).toEqual([]);
    });
  });

  it("a time window starts with a chunk's first item", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<string>(8);
      spawn(function* () {
        yield* sleep(100); // idle time before the first item does not count
        tx.trySend("a");
        yield* sleep(30);
        tx.trySend("b");
        yield* sleep(40); // 70 ms after "a": the window of 50 closed at 150
        tx.trySend("c");
        yield* sleep(10);
        tx.close();
      });
      const out: [number, string[]][] = [];
      const start = now();
      yield* forEach(chunks(rx, { size: 10, timeMs: 50 }), function* (batch) {
        out.push([now() - start, batch]);
      });
      expect(out).toEqual([
        [150, ["a", "b"]],
        [180, ["c"]],
      ]);
    });
  });

  it("a full batch goes out before its window ends", async () => {
    await runTest(function* () {
      const start = now();
      const s = chunks(source([1, 2, 3]), { size: 2, timeMs: 1000 });
      expect(yield* s.recv()).toEqual({ done: false, value: [1, 2] });
      expect(now() - start).toBe(0);
      expect(yield* s.recv()).toEqual({ done: false, value: [3] });
    });
  });

  it("a cancelled recv keeps the partial batch and its window", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(8);
      const s = chunks(rx, { size: 3, timeMs: 50 });
      tx.trySend(1);
      const start = now();
      const lost = yield* select({ batch: s.recv(), tick: sleep(10) });
      expect(lost.key).toBe("tick");
      tx.trySend(2);
      const r = yield* s.recv();
      expect(r).toEqual({ done: false, value: [1, 2] });
      expect(now() - start).toBe(50);
    });
  });
});

describe("properties", () => {
  it("merge loses and duplicates nothing, and keeps each source's order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.tuple(fc.nat(5), fc.integer()), { maxLength: 8 }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (plans) => {
          await runTest(function* () {
            const receivers = plans.map((plan, k) => {
              const [tx, rx] = channel<[number, number]>(1);
              spawn(function* () {
                for (const [i, [delay]] of plan.entries()) {
                  yield* sleep(delay);
                  yield* tx.send([k, i]);
                }
                tx.close();
              });
              return rx;
            });
            const got = yield* collect(merge(...receivers));
            expect(got.length).toBe(plans.reduce((n, p) => n + p.length, 0));
            for (const [k, plan] of plans.entries()) {
              expect(got.filter(([s]) => s === k).map(([, i]) => i)).toEqual(plan.map((_, i) => i));
            }
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("chunks preserve order, never emit an empty array, and respect size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(30), { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
        async (delays, size, timeMs) => {
          await runTest(function* () {
            const [tx, rx] = channel<number>(1);
            spawn(function* () {
              for (const [i, d] of delays.entries()) {
                yield* sleep(d);
                yield* tx.send(i);
              }
              tx.close();
            });
            const batches = yield* collect(chunks(rx, { size, timeMs }));
            for (const b of batches) {
              expect(b.length).toBeGreaterThan(0);
              expect(b.length).toBeLessThanOrEqual(size);
            }
            expect(batches.flat()).toEqual(delays.map((_, i) => i));
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

// What `spawn` accepts as a body: generators (recognised by their prototype chain, the fast path)
// and hand-written objects with the generator interface (run through a wrapper generator).
import { CancelledError, type Coroutine, run, sleep, spawn, yieldNow } from "corio";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

/** A coroutine-like object that is not a generator: forwards to `inner` and logs each call. */
function handWritten<T>(inner: Coroutine<T>, log: string[]): Coroutine<T> {
  const it = {
    next: (v: unknown) => {
      log.push("next");
      return inner.next(v);
    },
    throw: (e: unknown) => {
      log.push("throw");
      return inner.throw(e);
    },
    return: (v: T) => {
      log.push("return");
      return inner.return(v);
    },
    [Symbol.iterator]: () => it,
  };
  return it as unknown as Coroutine<T>;
}

describe("bodies", () => {
  it("a hand-written coroutine-like object runs as a task and gives its value", async () => {
    const log: string[] = [];
    const value = await run(function* () {
      const task = spawn(
        handWritten(
          (function* () {
            yield* yieldNow();
            return 42;
          })(),
          log,
        ),
      );
      return yield* task;
    });
    expect(value).toBe(42);
    expect(log).toEqual(["next", "next"]);
  });

  it("cancelling a hand-written coroutine calls its return() and runs the inner cleanup", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const task = spawn(
        handWritten(
          (function* () {
            try {
              yield* sleep(1000);
            } finally {
              log.push("cleanup");
            }
          })(),
          log,
        ),
      );
      yield* sleep(10);
      task.cancel("stop");
      const error = yield* (function* () {
        try {
          yield* task;
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(CancelledError);
    });
    expect(log).toEqual(["next", "return", "cleanup"]);
  });

  it("an error from a future reaches a hand-written coroutine through throw()", async () => {
    const log: string[] = [];
    const value = await run(function* () {
      return yield* spawn(
        handWritten(
          (function* () {
            try {
              yield* spawn(function* () {
                throw new Error("boom");
              });
            } catch (e) {
              return (e as Error).message;
            }
          })(),
          log,
        ),
      );
    });
    expect(value).toBe("boom");
    expect(log).toContain("throw");
  });

  it("generators from inline closures, shared functions and class methods all run", async () => {
    class Worker {
      constructor(private readonly base: number) {}
      *work(): Coroutine<number> {
        yield* yieldNow();
        return this.base;
      }
    }
    function* shared(i: number): Coroutine<number> {
      yield* yieldNow();
      return i;
    }
    const total = await run(function* () {
      const tasks = [];
      for (let i = 0; i < 10; i++) {
        tasks.push(
          spawn(function* () {
            yield* yieldNow();
            return i;
          }),
        );
        tasks.push(spawn(shared(i)));
        tasks.push(spawn(() => shared(i)));
        tasks.push(spawn(new Worker(i).work()));
      }
      let sum = 0;
      for (const t of tasks) sum += yield* t;
      return sum;
    });
    expect(total).toBe(4 * 45);
  });

  it("a generator function spawned directly, many times, alternating with others, runs each time", async () => {
    // corio gives a body function a shared `prototype` once (body.ts, shareProto); calling
    // the same functions again and again, interleaved, must keep working.
    let a = 0;
    let b = 0;
    function* countA(): Coroutine<void> {
      yield* yieldNow();
      a++;
    }
    function* countB(): Coroutine<void> {
      b++;
    }
    await run(function* () {
      const tasks = [];
      for (let i = 0; i < 50; i++) tasks.push(spawn(countA), spawn(countB));
      for (const t of tasks) yield* t;
    });
    expect([a, b]).toEqual([50, 50]);
    // A generator the user makes from the same function afterwards is an ordinary one.
    const gen = countB();
    expect(gen.next()).toEqual({ done: true, value: undefined });
    expect(Object.prototype.toString.call(gen)).toBe("[object Generator]");
  });

  it("a generator function reused with many other bodies in between runs each time and keeps the shared prototype", async () => {
    // shareProto remembers only the last few body functions (body.ts, RECENT): one reused
    // with more than that many fresh closures between its uses is given the shared
    // prototype again each time, which must change nothing a user can see.
    let named = 0;
    let closures = 0;
    function* reused(): Coroutine<void> {
      yield* yieldNow();
      named++;
    }
    const bodies: unknown[] = [];
    await run(function* () {
      const tasks = [];
      for (let i = 0; i < 10; i++) {
        tasks.push(spawn(reused));
        for (let j = 0; j < 20; j++) {
          const body = function* (): Coroutine<void> {
            yield* yieldNow();
            closures++;
          };
          bodies.push(body);
          tasks.push(spawn(body));
        }
      }
      for (const t of tasks) yield* t;
    });
    expect([named, closures]).toEqual([10, 200]);
    // Every body function, reused or fresh, has corio's one shared prototype.
    const shared = reused.prototype as object;
    expect(bodies.every((b) => (b as { prototype: object }).prototype === shared)).toBe(true);
    const gen = reused();
    expect(gen).toBeInstanceOf(reused);
    expect(gen.next()).toEqual({ done: false, value: expect.anything() });
  });

  it("a frozen generator function, or one with a read-only prototype, still runs as a body", async () => {
    const frozen = Object.freeze(function* (): Coroutine<number> {
      yield* yieldNow();
      return 1;
    });
    const readOnly = function* (): Coroutine<number> {
      yield* yieldNow();
      return 2;
    };
    // Its own prototype, inheriting the generator methods as the default one does.
    const own = Object.create(Object.getPrototypeOf(function* () {}.prototype));
    Object.defineProperty(readOnly, "prototype", { value: own, writable: false });
    const got = await run(function* () {
      const first = [yield* spawn(frozen), yield* spawn(readOnly)];
      return [...first, yield* spawn(frozen), yield* spawn(readOnly)];
    });
    expect(got).toEqual([1, 2, 1, 2]);
    expect(readOnly.prototype).toBe(own);
  });

  it("an object that only inherits from a generator fails its task with a TypeError, not a hang", async () => {
    function* real(): Coroutine<number> {
      yield* yieldNow();
      return 1;
    }
    const generatorMethods = Object.getPrototypeOf(real.prototype) as object;
    for (const fake of [Object.create(real()), Object.create(generatorMethods)]) {
      await expect(
        run(function* () {
          return yield* spawn(fake as Coroutine<number>);
        }),
      ).rejects.toThrow(TypeError);
    }
  });

  it("an object that is not a coroutine is refused at spawn with a clear error", async () => {
    await run(function* () {
      expect(() => spawn({ next() {} } as unknown as Coroutine<void>)).toThrow(
        /expected a coroutine/,
      );
      expect(() => spawn((async () => {}) as unknown as () => Coroutine<void>)).toThrow(
        /async function/,
      );
    });
  });
});

/**
 * Any thrown value: an object with no prototype, a throwing toString or
 * Symbol.toPrimitive, an Error whose message getter throws, a Proxy whose
 * getPrototypeOf trap throws. Every path that describes an error (the run's
 * finish, trace, debug, main's report) must survive it and report the real outcome.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CancelledError, type Coroutine, main, type RunOptions, run, sleep, spawn } from "corio";
import { afterAll, describe, expect, it, vi } from "vitest";

const hostile: Record<string, () => unknown> = {
  "an object with no prototype": () => Object.create(null),
  "a throwing toString": () => ({
    toString() {
      throw new Error("no toString for you");
    },
  }),
  "a throwing Symbol.toPrimitive": () => ({
    [Symbol.toPrimitive]() {
      throw new Error("no primitive for you");
    },
  }),
  "an Error whose message getter throws": () => {
    const e = new Error("hidden");
    Object.defineProperty(e, "message", {
      get() {
        throw new Error("no message for you");
      },
    });
    return e;
  },
  "a Proxy whose getPrototypeOf throws": () =>
    new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("no prototype for you");
        },
      },
    ),
};

const dir = mkdtempSync(join(tmpdir(), "corio-hostile-"));
const modes: Record<string, () => RunOptions> = {
  "no options": () => ({}),
  "trace: true": () => ({ trace: true }),
  "trace to a file": () => ({ trace: join(dir, "t.json") }),
  "debug: true": () => ({ debug: true }),
};

describe("hostile thrown values", () => {
  for (const [mode, options] of Object.entries(modes)) {
    describe(mode, () => {
      for (const [what, make] of Object.entries(hostile)) {
        it(`a root task that throws ${what} rejects the run with that very value`, async () => {
          const value = make();
          const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
          try {
            await expect(
              run(function* () {
                yield* sleep(1);
                throw value;
              }, options()),
            ).rejects.toBe(value);
          } finally {
            warn.mockRestore();
          }
        });

        it(`a root task that throws ${what} at its first step rejects with it`, async () => {
          const value = make();
          await expect(
            run(function* () {
              throw value;
            }, options()),
          ).rejects.toBe(value);
        });

        it(`task.cancel(${what}) gives the real outcome: CancelledError with that reason`, async () => {
          const reason = make();
          const got = await run(function* (): Coroutine<unknown> {
            const task = spawn(function* () {
              yield* sleep(1000);
            });
            yield* sleep(1);
            task.cancel(reason);
            try {
              yield* task;
            } catch (e) {
              return e;
            }
            return null;
          }, options());
          expect(got).toBeInstanceOf(CancelledError);
          expect((got as CancelledError).reason).toBe(reason);
          expect(typeof (got as CancelledError).message).toBe("string");
          expect((got as CancelledError).message).toMatch(/^task was cancelled: ./);
        });
      }
    });
  }

  it("a traced failure and cancellation are written to the trace as text", async () => {
    const file = join(dir, "failed.json");
    await expect(
      run(
        function* () {
          const task = spawn(
            function* () {
              yield* sleep(1000);
            },
            { name: "victim" },
          );
          yield* sleep(1);
          task.cancel(Object.create(null));
          throw Object.create(null);
        },
        { trace: file, name: "thrower" },
      ),
    ).rejects.toBeTypeOf("object");
    const text = readFileSync(file, "utf8");
    expect(text).toContain("[object with no prototype]");
    JSON.parse(text); // still a valid trace file
  });

  it("main() reports a thrown Proxy and sets exit code 1 instead of crashing", async () => {
    const writes: string[] = [];
    const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    const error = vi.spyOn(console, "error").mockImplementation(() => {
      throw new TypeError("inspect failed"); // as util.inspect does on some Proxies
    });
    const before = process.exitCode;
    try {
      await main(function* () {
        throw hostile["a Proxy whose getPrototypeOf throws"]?.();
      });
      expect(process.exitCode).toBe(1);
      expect(writes.join("")).toMatch(/object|Object/);
    } finally {
      process.exitCode = before;
      write.mockRestore();
      error.mockRestore();
    }
  });

  it("run() with a body function that throws rejects; it never throws synchronously", async () => {
    let promise: Promise<unknown> | null = null;
    expect(() => {
      promise = run((() => {
        throw new Error("boom");
      }) as never);
    }).not.toThrow();
    await expect(promise).rejects.toThrow("boom");
    // A body that is not a coroutine is refused the same way.
    await expect(run((() => 42) as never)).rejects.toThrow(/expected a coroutine/);
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

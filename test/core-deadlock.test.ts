import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  CancelledError,
  type Coroutine,
  call,
  DeadlockError,
  now,
  run,
  sleep,
  spawn,
  type Task,
  yieldNow,
} from "corio";
import { PENDING, pending, pollFn } from "corio/lowlevel";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

describe("deadlock is reported, not silent", () => {
  it("two tasks joining each other", async () => {
    const error = await run(function* () {
      const tasks: Task<void>[] = [];
      tasks.push(
        spawn(
          function* () {
            yield* yieldNow();
            yield* tasks[1] as Task<void>;
          },
          { name: "left" },
        ),
      );
      tasks.push(
        spawn(
          function* () {
            yield* yieldNow();
            yield* tasks[0] as Task<void>;
          },
          { name: "right" },
        ),
      );
      yield* tasks[0] as Task<void>;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlockError);
    const message = (error as DeadlockError).message;
    expect(message).toMatch(/"left" waiting on join right/);
    expect(message).toMatch(/"right" waiting on join left/);
    expect((error as DeadlockError).tasks.map((t) => t.name)).toContain("left");
  });

  it("an unnamed task is named once in the report", async () => {
    const error = await run(function* (): Coroutine<void> {
      const me: Task<void> = spawn(function* () {
        yield* me;
      });
      yield* me;
    }).catch((e: unknown) => e);
    // Its own line reads "task#N waiting on join task#N", without a quoted "task#N" name.
    expect((error as DeadlockError).message).toMatch(/^ {2}task#(\d+) waiting on join task#\1$/m);
  });

  it("a task joining itself", async () => {
    await expect(
      run(function* (): Coroutine<void> {
        const me: Task<void> = spawn(function* () {
          yield* me;
        });
        yield* me;
      }),
    ).rejects.toBeInstanceOf(DeadlockError);
  });

  it("the stuck tasks' cleanup runs before run() rejects", async () => {
    const log: string[] = [];
    await expect(
      runTest(function* () {
        const me: Task<void> = spawn(function* () {
          try {
            yield* me;
          } finally {
            log.push("cleanup");
          }
        });
        yield* me;
      }),
    ).rejects.toBeInstanceOf(DeadlockError);
    expect(log).toEqual(["cleanup"]);
  });

  it("no false alarm while a call() is pending", async () => {
    const value = await run(function* () {
      const waiter = spawn(function* () {
        return yield* call(new Promise<string>((r) => setTimeout(() => r("late"), 30)));
      });
      return yield* waiter;
    });
    expect(value).toBe("late");
  });

  it("no false alarm while a timer is pending", async () => {
    expect(
      await runTest(function* () {
        yield* sleep(1_000_000);
        return "woke";
      }),
    ).toBe("woke");
  });

  it("no false alarm while another runtime can still act (a join across runtimes)", async () => {
    let other: Task<string> | undefined;
    const otherRun = run(function* () {
      other = spawn(function* () {
        yield* sleep(30);
        return "from the other runtime";
      });
      return yield* other;
    });
    await new Promise((r) => setImmediate(r));
    const value = await run(function* () {
      return yield* other as Task<string>;
    });
    expect(value).toBe("from the other runtime");
    await otherRun;
  });

  it("a future of unknown origin (may be woken from outside) is not counted as a deadlock", async () => {
    let wake: (() => void) | undefined;
    let done = false;
    const future = pollFn<string>((cx) => {
      if (done) return "woken from outside";
      wake = () => {
        done = true;
        cx.waker.wake();
      };
      return PENDING;
    });
    setTimeout(() => wake?.(), 20);
    expect(
      await run(() =>
        (function* () {
          return yield* future;
        })(),
      ),
    ).toBe("woken from outside");
  });

  it("the beforeExit safety net: a run waiting on nothing rejects instead of vanishing", async () => {
    const script = `
      import { run } from "./src/index.ts";
      import { pending } from "./src/lowlevel.ts";
      run(function* () { yield* pending(); }).then(
        () => console.log("resolved"),
        (e) => console.log("rejected", e.name, e.message.split("\\n")[0]),
      );
    `;
    const { stdout } = await exec(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: root,
      },
    );
    expect(stdout.trim()).toBe(
      "rejected DeadlockError deadlock: the process is about to exit while run() is still pending:",
    );
  });
});

describe("pending() waits until cancelled", () => {
  it("is not a deadlock when a timer will cancel it", async () => {
    const got = await runTest(function* () {
      const t = spawn(function* () {
        yield* pending();
      });
      yield* sleep(100);
      t.cancel();
      try {
        yield* t;
      } catch (e) {
        return { at: now(), cancelled: e instanceof CancelledError };
      }
      return null;
    });
    // The run neither rejected with DeadlockError nor ended early: the cancel came at 100 ms.
    expect(got).toEqual({ at: 100, cancelled: true });
  });
});

import {
  CancelledError,
  type Coroutine,
  currentTask,
  now,
  Runtime,
  run,
  sleep,
  spawn,
  type Task,
  taskGroup,
  yieldNow,
} from "corio";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

function* settled(task: Task<unknown>): Coroutine<unknown> {
  try {
    return yield* task;
  } catch (error) {
    return error;
  }
}

describe("no task outlives its parent", () => {
  it("children still running when the body returns are cancelled and awaited", async () => {
    const log: string[] = [];
    let child: Task<void> | undefined;
    let parent: Task<void> | undefined;
    await runTest(function* () {
      const p = spawn(function* () {
        child = spawn(function* () {
          try {
            yield* sleep(1000);
          } finally {
            yield* sleep(5);
            log.push("child cleanup done");
          }
        });
        yield* yieldNow();
        log.push("parent body ends");
      });
      parent = p;
      yield* settled(p);
      log.push("parent joined");
    });
    expect(log).toEqual(["parent body ends", "child cleanup done", "parent joined"]);
    expect(parent?.state).toBe("done");
    expect(child?.state).toBe("cancelled");
  });

  it("the same holds when the body throws or is cancelled", async () => {
    for (const ending of ["throw", "cancel"] as const) {
      const log: string[] = [];
      await runTest(function* () {
        const p = spawn(function* () {
          spawn(function* () {
            try {
              yield* sleep(1000);
            } finally {
              log.push("child finally");
            }
          });
          yield* sleep(1);
          if (ending === "throw") throw new Error("body failed");
          currentTask()?.cancel();
          yield* sleep(1000);
        });
        const outcome = yield* settled(p);
        log.push(outcome instanceof Error ? outcome.constructor.name : "value");
      });
      expect(log).toEqual(["child finally", ending === "throw" ? "Error" : "CancelledError"]);
    }
  });

  it("run() cancels leftover root tasks and waits for their cleanup", async () => {
    const log: string[] = [];
    const rt = new Runtime();
    rt.spawn(function* () {
      try {
        yield* sleep(60_000);
      } finally {
        yield* sleep(1);
        log.push("leftover cleaned up");
      }
    });
    const value = await rt.run(function* () {
      yield* sleep(2);
      return "main done";
    });
    expect(value).toBe("main done");
    expect(log).toEqual(["leftover cleaned up"]);
  });

  // A task keeps one link to its next sibling: a child that completes behind a live one stays in
  // the list, dead, until a sweep. Listings, the end of the parent and the last-child wake must
  // never see it.
  it("children completing out of spawn order: listed, cancelled and awaited as the live ones", async () => {
    const rt = new Runtime({ virtualTime: true });
    const cleaned: number[] = [];
    let listed: (string | null)[][] = [];
    const names = (parent: Task<unknown>): string[] =>
      rt
        .tasks()
        .filter((t) => t.parent === parent.id)
        .map((t) => t.name);
    await rt.run(function* () {
      const parent = spawn(function* () {
        // 100 children: every third sleeps long, the rest complete, out of order.
        for (let i = 0; i < 100; i++)
          spawn(
            function* () {
              try {
                yield* sleep(i % 3 === 0 ? 60_000 : 100 - i);
              } finally {
                if (i % 3 === 0) cleaned.push(i);
              }
            },
            { name: `c${i}` },
          );
        yield* sleep(200);
        const self = currentTask() as Task<unknown>;
        listed = [names(self)];
        // More: out of order again, past the sweep threshold.
        for (let i = 100; i < 200; i++)
          spawn(function* () {
            yield* sleep(i % 2 === 0 ? 1 : 2);
          });
        yield* sleep(10);
        listed.push(names(self));
      });
      yield* sleep(300);
      expect(parent.state).toBe("done");
    });
    const long = Array.from({ length: 34 }, (_, k) => `c${3 * k}`);
    expect(listed).toEqual([long, long]);
    expect(cleaned).toEqual(Array.from({ length: 34 }, (_, k) => 3 * k));
    expect(rt.tasks()).toEqual([]);
  });

  it("roots completing out of order: the run ends only when the last live root has", async () => {
    const rt = new Runtime({ virtualTime: true });
    const order: number[] = [];
    for (let i = 0; i < 50; i++)
      rt.spawn(function* () {
        yield* sleep(50 - i);
        order.push(i);
      });
    await rt.run();
    expect(order).toEqual(Array.from({ length: 50 }, (_, k) => 49 - k));
    expect(rt.tasks()).toEqual([]);
  });
});

describe("errors are never lost", () => {
  it("a child failing while the parent is not joining it fails the parent at once", async () => {
    const log: string[] = [];
    const boom = new Error("child failed");
    const error = await runTest(function* () {
      const parent = spawn(function* () {
        try {
          spawn(function* () {
            yield* sleep(10);
            throw boom;
          });
          yield* sleep(1000);
          log.push("not reached");
        } finally {
          log.push(`parent cleanup at ${Date.now() > 0 ? "once" : ""}`);
        }
      });
      return yield* settled(parent);
    });
    expect(error).toBe(boom);
    expect(log).toEqual(["parent cleanup at once"]);
  });

  it("in `yield* a; yield* b`, b failing while the parent waits on a fails the parent at once", async () => {
    const boom = new Error("b failed");
    let aFinished = false;
    const got = await runTest(function* () {
      const parent = spawn(function* () {
        const a = spawn(function* () {
          yield* sleep(10_000);
          aFinished = true;
        });
        const b = spawn(function* () {
          yield* sleep(5);
          throw boom;
        });
        yield* a;
        yield* b;
      });
      const error = yield* settled(parent);
      return { error, at: now() };
    });
    expect(got.error).toBe(boom);
    expect(aFinished).toBe(false);
    // At once: at b's failure (5 ms of virtual time), not after a's 10 s sleep.
    expect(got.at).toBe(5);
  });

  it("a joined child's failure goes to the joiner, who can handle it", async () => {
    const value = await runTest(function* () {
      const child = spawn(function* () {
        yield* sleep(1);
        throw new Error("handled");
      });
      try {
        yield* child;
      } catch (error) {
        return `caught ${(error as Error).message}`;
      }
      return "no error";
    });
    expect(value).toBe("caught handled");
  });

  it("if cleanup throws after a child failure, both errors are delivered (AggregateError)", async () => {
    const childError = new Error("child");
    const cleanupError = new Error("cleanup");
    const error = await runTest(function* () {
      const parent = spawn(function* () {
        try {
          spawn(function* () {
            yield* sleep(1);
            throw childError;
          });
          yield* sleep(1000);
        } finally {
          throw cleanupError;
        }
      });
      return yield* settled(parent);
    });
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toEqual([childError, cleanupError]);
  });

  it("a failure routed to a joining parent is not lost if the parent is cancelled before it resumes", async () => {
    const joined = new Error("joined child failed");
    const other = new Error("unjoined child failed");
    const error = await runTest(function* () {
      const parent = spawn(function* () {
        const a = spawn(function* () {
          yield* sleep(10);
          throw joined; // delivered to the parent's `yield* a`...
        });
        spawn(function* () {
          yield* sleep(10);
          throw other; // ...but this one cancels the parent before it resumes
        });
        yield* a;
      });
      return yield* settled(parent);
    });
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toEqual(expect.arrayContaining([joined, other]));
  });

  it("a root that fails unjoined fails its run (and the main body is cancelled)", async () => {
    const rt = new Runtime();
    const log: string[] = [];
    rt.spawn(function* () {
      yield* sleep(1);
      throw new Error("root failed");
    });
    await expect(
      rt.run(function* () {
        try {
          yield* sleep(60_000);
        } finally {
          log.push("main cleaned up");
        }
      }),
    ).rejects.toThrow("root failed");
    expect(log).toEqual(["main cleaned up"]);
  });

  it("run() rejects with the body's error", async () => {
    await expect(
      run(function* () {
        yield* yieldNow();
        throw new TypeError("bad");
      }),
    ).rejects.toThrow(TypeError);
  });

  it("step() throws the error of a root that failed unjoined", () => {
    const rt = new Runtime();
    rt.spawn(function* () {
      throw new Error("stepped failure");
    });
    expect(() => rt.step()).toThrow("stepped failure");
  });
});

describe("taskGroup", () => {
  it("waits for every child and returns the body's value", async () => {
    const done: number[] = [];
    const value = await runTest(function* () {
      return yield* taskGroup(function* (group) {
        for (const ms of [30, 10, 20]) {
          group.spawn(function* () {
            yield* sleep(ms);
            done.push(ms);
          });
        }
        return "body value";
      });
    });
    expect(value).toBe("body value");
    expect(done).toEqual([10, 20, 30]);
  });

  it("the first failure cancels the others and is rethrown", async () => {
    const log: string[] = [];
    const boom = new Error("first");
    await expect(
      runTest(function* () {
        yield* taskGroup(function* (group) {
          group.spawn(function* () {
            try {
              yield* sleep(1000);
              log.push("sibling ran to its end"); // must never run: the sibling was cancelled
            } finally {
              yield* sleep(3);
              log.push(`sibling cleaned up at ${now()} ms`);
            }
          });
          group.spawn(function* () {
            yield* sleep(10);
            throw boom;
          });
        });
      }),
    ).rejects.toBe(boom);
    // Cancelled at the failure (10 ms), its 3 ms cleanup ends at 13 ms, not after its 1000 ms sleep.
    expect(log).toEqual(["sibling cleaned up at 13 ms"]);
  });

  it("several failures are rethrown as an AggregateError", async () => {
    const error = await runTest(function* () {
      try {
        yield* taskGroup(function* (group) {
          group.spawn(function* () {
            try {
              yield* sleep(1000);
            } finally {
              throw new Error("cleanup");
            }
          });
          group.spawn(function* () {
            yield* sleep(10);
            throw new Error("first");
          });
        });
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      "first",
      "cleanup",
    ]);
  });

  it("spawn after the group closed is a clear error", async () => {
    await runTest(function* () {
      let saved: { spawn(b: () => Coroutine<void>): unknown } | undefined;
      yield* taskGroup(function* (group) {
        saved = group;
      });
      expect(() =>
        saved?.spawn(function* () {
          yield* yieldNow();
        }),
      ).toThrow(/closed/);
    });
  });

  it("cancelling the caller cancels the group's children and waits for them", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const caller = spawn(function* () {
        try {
          yield* taskGroup(function* (group) {
            group.spawn(function* () {
              try {
                yield* sleep(1000);
              } finally {
                yield* sleep(5);
                log.push("child cleanup");
              }
            });
          });
          log.push("not reached");
        } finally {
          log.push("caller cleanup");
        }
      });
      yield* sleep(10);
      caller.cancel();
      const outcome = yield* settled(caller);
      expect(outcome).toBeInstanceOf(CancelledError);
    });
    expect(log).toEqual(["child cleanup", "caller cleanup"]);
  });
});

import {
  CancelledError,
  type CancelScope,
  call,
  cancelScope,
  channel,
  currentDeadline,
  currentTask,
  type DebugWarning,
  Event,
  moveOnAfter,
  moveOnAt,
  now,
  run,
  shield,
  sleep,
  spawn,
  type Task,
  TimeoutError,
  taskGroup,
  timeout,
  timeoutAt,
  yieldNow,
} from "corio";
import { ready } from "corio/lowlevel";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("cancelScope", () => {
  it("returns the body's value; the body runs in the calling task", async () => {
    const got = await runTest(function* () {
      const me = currentTask()?.id;
      const v = yield* cancelScope(function* (scope) {
        expect(currentTask()?.id).toBe(me);
        yield* sleep(10);
        expect(scope.cancelled).toBe(false);
        return 7;
      });
      return v;
    });
    expect(got).toBe(7);
  });

  it("scope.cancel() from inside cuts the body short at its next wait; code after the scope goes on", async () => {
    const log: string[] = [];
    const got = await runTest(function* () {
      let s: CancelScope | undefined;
      const v = yield* cancelScope(function* (scope) {
        s = scope;
        try {
          scope.cancel();
          log.push("still running until the next wait");
          yield* sleep(1000);
          log.push("never");
        } finally {
          log.push("finally");
        }
        return 1;
      });
      log.push(`after: ${String(v)}`);
      yield* sleep(5);
      return { cancelled: s?.cancelled, t: now() };
    });
    expect(log).toEqual(["still running until the next wait", "finally", "after: undefined"]);
    expect(got).toEqual({ cancelled: true, t: 5 });
  });

  it("cancel from another task interrupts the wait the body is parked on", async () => {
    const got = await runTest(function* () {
      let s: CancelScope | undefined;
      const canceller = spawn(function* () {
        yield* sleep(30);
        s?.cancel("enough");
      });
      const v = yield* cancelScope(function* (scope) {
        s = scope;
        yield* sleep(1000);
        return "slept";
      });
      yield* canceller;
      return { v, t: now(), cancelled: s?.cancelled };
    });
    expect(got).toEqual({ v: undefined, t: 30, cancelled: true });
  });

  it("cleanup that the cancellation started runs to its end, waits included", async () => {
    const log: string[] = [];
    await runTest(function* () {
      yield* cancelScope(function* (scope) {
        try {
          scope.cancel();
          yield* sleep(10);
        } finally {
          yield* sleep(20); // not cut short: the scope's interruption is thrown once
          log.push(`cleanup done at ${now()}`);
        }
      });
      log.push(`after at ${now()}`);
    });
    expect(log).toEqual(["cleanup done at 20", "after at 20"]);
  });

  it("level-triggered: a wait started after cancel(), even a ready one, is interrupted", async () => {
    const got = await runTest(function* () {
      const steps: string[] = [];
      yield* cancelScope(function* (scope) {
        scope.cancel();
        steps.push("before");
        yield* ready(1);
        steps.push("not reached");
      });
      return steps;
    });
    expect(got).toEqual(["before"]);
  });

  it("a body that finishes before any wait keeps its value; cancelled stays false", async () => {
    const got = await runTest(function* () {
      let s: CancelScope | undefined;
      const v = yield* cancelScope(function* (scope) {
        s = scope;
        scope.cancel();
        return "done";
      });
      return { v, cancelled: s?.cancelled, called: s?.cancelCalled };
    });
    expect(got).toEqual({ v: "done", cancelled: false, called: true });
  });

  it("the body's error propagates; cancel after the scope ended does nothing", async () => {
    await expect(
      runTest(function* () {
        let s: CancelScope | undefined;
        try {
          yield* cancelScope(function* (scope) {
            s = scope;
            yield* sleep(1);
            throw new Error("boom");
          });
        } finally {
          s?.cancel();
        }
      }),
    ).rejects.toThrow("boom");
  });

  it("tasks spawned inside are cancelled with the scope, and their cleanup runs before the scope returns", async () => {
    const log: string[] = [];
    await runTest(function* () {
      yield* cancelScope(function* (scope) {
        spawn(function* () {
          try {
            yield* sleep(1000);
          } finally {
            yield* sleep(5);
            log.push(`child cleanup at ${now()}`);
          }
        });
        yield* sleep(10);
        scope.cancel();
        yield* sleep(1000);
      });
      log.push(`after at ${now()}`);
    });
    expect(log).toEqual(["child cleanup at 15", "after at 15"]);
  });

  it("when the body returns, tasks spawned inside that still run are cancelled and awaited", async () => {
    const log: string[] = [];
    const got = await runTest(function* () {
      const v = yield* cancelScope(function* () {
        spawn(function* () {
          try {
            yield* sleep(1000);
            log.push("never");
          } finally {
            log.push(`child finally at ${now()}`);
          }
        });
        yield* sleep(3);
        return "body";
      });
      log.push("after");
      return v;
    });
    expect(got).toBe("body");
    expect(log).toEqual(["child finally at 3", "after"]);
  });

  it("a task spawned inside a cancelled scope is cancelled at once (runs no code)", async () => {
    let ran = false;
    await runTest(function* () {
      yield* cancelScope(function* (scope) {
        scope.cancel();
        const t = spawn(function* () {
          ran = true;
        });
        expect(t.state).toBe("cancelling");
      });
    });
    expect(ran).toBe(false);
  });

  it("a child's failure inside the scope is not swallowed by the scope", async () => {
    await expect(
      runTest(function* () {
        yield* cancelScope(function* () {
          spawn(function* () {
            yield* sleep(1);
            throw new Error("child failed");
          });
          yield* sleep(100);
        });
        return "unreachable";
      }),
    ).rejects.toThrow("child failed");
  });

  it("cancelling the task inside a scope cancels it as a task (the scope does not stop it)", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const t = spawn(function* () {
        yield* cancelScope(function* () {
          try {
            yield* sleep(100);
          } finally {
            log.push("scope body finally");
          }
        });
        log.push("after scope: never");
      });
      yield* sleep(1);
      t.cancel();
      yield* call(Promise.resolve());
      yield* sleep(1);
      expect(t.state).toBe("cancelled");
    });
    expect(log).toEqual(["scope body finally"]);
  });

  it("a bad body is a TypeError; outside a task an Error", async () => {
    await runTest(function* () {
      expect(() => cancelScope(42 as never).next()).toThrow(TypeError);
    });
    expect(() => cancelScope(function* () {}).next()).toThrow(/inside a corio task/);
  });
});

describe("deadlines", () => {
  it("moveOnAfter returns the value in time, undefined when the deadline hit (cleanup has run)", async () => {
    const got = await runTest(function* () {
      const a = yield* moveOnAfter(50, function* () {
        yield* sleep(10);
        return "fast";
      });
      let cleaned = -1;
      const b = yield* moveOnAfter(50, function* () {
        try {
          yield* sleep(100);
          return "slow";
        } finally {
          cleaned = now();
        }
      });
      return { a, b, cleaned, t: now() };
    });
    expect(got).toEqual({ a: "fast", b: undefined, cleaned: 60, t: 60 });
  });

  it("moveOnAt uses the runtime clock; a deadline already passed cancels at the first wait", async () => {
    const got = await runTest(function* () {
      yield* sleep(100);
      const late = yield* moveOnAt(50, function* () {
        yield* yieldNow();
        return "ran";
      });
      const inTime = yield* moveOnAt(200, function* () {
        yield* sleep(50);
        return "ran";
      });
      return { late, inTime, t: now() };
    });
    expect(got).toEqual({ late: undefined, inTime: "ran", t: 150 });
  });

  it("timeoutAt throws TimeoutError after cleanup; returns the value in time", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const v = yield* timeoutAt(10, function* () {
        return 3;
      });
      expect(v).toBe(3);
      try {
        yield* timeoutAt(40, function* () {
          try {
            yield* sleep(100);
          } finally {
            yield* sleep(5);
            log.push(`cleanup at ${now()}`);
          }
        });
      } catch (error) {
        expect(error).toBeInstanceOf(TimeoutError);
        log.push(`TimeoutError at ${now()}`);
      }
    });
    expect(log).toEqual(["cleanup at 45", "TimeoutError at 45"]);
  });

  it("scope.deadline is read/write: moving it earlier fires sooner, Infinity removes it", async () => {
    const got = await runTest(function* () {
      const a = yield* cancelScope(function* (scope) {
        expect(scope.deadline).toBe(Number.POSITIVE_INFINITY);
        scope.deadline = now() + 1000;
        yield* sleep(10);
        scope.deadline = now() + 5;
        yield* sleep(100);
        return "no";
      });
      const t1 = now();
      const b = yield* moveOnAfter(10, function* (scope) {
        scope.deadline = Number.POSITIVE_INFINITY;
        yield* sleep(50);
        return "yes";
      });
      return { a, t1, b, t2: now() };
    });
    expect(got).toEqual({ a: undefined, t1: 15, b: "yes", t2: 65 });
  });

  it("nested scopes: the earliest deadline wins, and only the scope whose deadline hit reports cancelled", async () => {
    const got = await runTest(function* () {
      let outer: CancelScope | undefined;
      let inner: CancelScope | undefined;
      let afterInner = "";
      yield* moveOnAfter(100, function* (o) {
        outer = o;
        const v = yield* moveOnAfter(30, function* (i) {
          inner = i;
          yield* sleep(1000);
        });
        afterInner = `${String(v)} at ${now()}`;
        yield* sleep(1000);
      });
      return {
        afterInner,
        t: now(),
        innerCancelled: inner?.cancelled,
        outerCancelled: outer?.cancelled,
      };
    });
    expect(got).toEqual({
      afterInner: "undefined at 30",
      t: 100,
      innerCancelled: true,
      outerCancelled: true,
    });
  });

  it("an outer deadline earlier than the inner one cancels through the inner scope", async () => {
    const got = await runTest(function* () {
      let inner: CancelScope | undefined;
      let outer: CancelScope | undefined;
      const log: string[] = [];
      yield* moveOnAfter(20, function* (o) {
        outer = o;
        yield* moveOnAfter(100, function* (i) {
          inner = i;
          try {
            yield* sleep(1000);
          } finally {
            log.push(`inner finally ${now()}`);
          }
        });
        log.push("after inner: never");
      });
      return { log, inner: inner?.cancelled, outer: outer?.cancelled, t: now() };
    });
    expect(got).toEqual({ log: ["inner finally 20"], inner: false, outer: true, t: 20 });
  });

  it("currentDeadline(): the earliest enclosing deadline, inherited by spawned tasks, Infinity if none", async () => {
    const got = await runTest(function* () {
      const seen: number[] = [currentDeadline()];
      yield* moveOnAt(500, function* () {
        seen.push(currentDeadline());
        yield* moveOnAt(800, function* () {
          seen.push(currentDeadline());
          yield* moveOnAt(300, function* () {
            seen.push(currentDeadline());
            const child = spawn(function* () {
              return currentDeadline();
            });
            seen.push(yield* child);
          });
        });
      });
      yield* timeout(40, function* () {
        seen.push(currentDeadline()); // timeout's body runs as a child task, and sees it
      });
      seen.push(currentDeadline());
      return seen;
    });
    expect(got).toEqual([
      Number.POSITIVE_INFINITY,
      500,
      500,
      300,
      300,
      40,
      Number.POSITIVE_INFINITY,
    ]);
  });

  it("timeout keeps its behaviour: body as a child task, TimeoutError after its cleanup", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const me = currentTask()?.id;
      try {
        yield* timeout(10, function* () {
          log.push(currentTask()?.id === me ? "same task" : "child task");
          try {
            yield* sleep(100);
          } finally {
            log.push(`cleanup ${now()}`);
          }
        });
      } catch (error) {
        expect(error).toBeInstanceOf(TimeoutError);
        expect((error as TimeoutError).ms).toBe(10);
        log.push("timed out");
      }
    });
    expect(log).toEqual(["child task", "cleanup 10", "timed out"]);
  });

  it("bad durations and deadlines are RangeErrors naming the call", async () => {
    await runTest(function* () {
      const body = function* () {};
      for (const bad of [-1, Number.NaN, "10" as never, undefined as never]) {
        expect(() => moveOnAfter(bad, body).next()).toThrow(RangeError);
        expect(() => moveOnAt(bad, body).next()).toThrow(RangeError);
        expect(() => timeoutAt(bad, body).next()).toThrow(/timeoutAt\(at, body\)/);
      }
      yield* cancelScope(function* (scope) {
        expect(() => {
          scope.deadline = Number.NaN;
        }).toThrow(RangeError);
        expect(() => {
          scope.deadline = -5;
        }).toThrow(/scope.deadline/);
      });
    });
  });
});

describe("shield as a scope", () => {
  it("a shield protects its body from an enclosing scope's cancel; the cancel acts after it", async () => {
    const log: string[] = [];
    await runTest(function* () {
      yield* cancelScope(function* (scope) {
        yield* shield(function* () {
          scope.cancel();
          yield* sleep(10);
          log.push(`shielded work done at ${now()}`);
        });
        log.push("after shield, before the next wait");
        yield* sleep(10);
        log.push("never");
      });
      log.push(`after scope at ${now()}`);
    });
    expect(log).toEqual([
      "shielded work done at 10",
      "after shield, before the next wait",
      "after scope at 10",
    ]);
  });

  it("a moveOnAfter inside a shield still fires", async () => {
    const got = await runTest(function* () {
      return yield* shield(function* () {
        const v = yield* moveOnAfter(10, function* () {
          yield* sleep(1000);
          return "slow";
        });
        return { v, t: now() };
      });
    });
    expect(got).toEqual({ v: undefined, t: 10 });
  });

  it("a shield holds back a task cancel too, and hides outer deadlines from currentDeadline()", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const t = spawn(function* () {
        yield* moveOnAfter(5, function* () {
          yield* shield(function* () {
            log.push(`deadline inside shield: ${currentDeadline()}`);
            yield* sleep(20);
            log.push("shielded sleep finished");
          });
          yield* sleep(100);
        });
        log.push(`moved on at ${now()}`);
        yield* sleep(100);
      });
      yield* sleep(1);
      t.cancel();
      yield* sleep(50);
      expect(t.state).toBe("cancelled");
    });
    expect(log).toEqual(["deadline inside shield: Infinity", "shielded sleep finished"]);
  });

  it("shielded scope: the tasks spawned inside a shield are not cancelled by the outer scope", async () => {
    const got = await runTest(function* () {
      let child: Task<string> | undefined;
      yield* cancelScope(function* (scope) {
        yield* cancelScope(function* (inner) {
          inner.shield = true;
          child = spawn(function* () {
            yield* sleep(10);
            return "child finished";
          });
          scope.cancel();
          return yield* child;
        });
      });
      return child?.state;
    });
    expect(got).toBe("done");
  });
});

describe("taskGroup cancel", () => {
  it("group.cancel() cancels the children and the body; the group returns undefined without an error", async () => {
    const log: string[] = [];
    const got = await runTest(function* () {
      const v = yield* taskGroup(function* (group) {
        for (const name of ["a", "b"]) {
          group.spawn(function* () {
            try {
              yield* sleep(1000);
            } finally {
              log.push(`${name} cleaned up at ${now()}`);
            }
          });
        }
        yield* sleep(10);
        group.cancel();
        yield* sleep(1000);
        return "unreachable";
      });
      return { v, t: now() };
    });
    expect(got).toEqual({ v: undefined, t: 10 });
    expect(log.sort()).toEqual(["a cleaned up at 10", "b cleaned up at 10"]);
  });

  it("a child may cancel its group", async () => {
    const got = await runTest(function* () {
      const [, rx] = channel<number>(1);
      const v = yield* taskGroup(function* (group) {
        group.spawn(function* () {
          yield* sleep(5);
          group.cancel();
        });
        yield* rx.recv();
        return 1;
      });
      return { v, t: now() };
    });
    expect(got).toEqual({ v: undefined, t: 5 });
  });

  it("a child that failed still fails the group, even if it was cancelled meanwhile", async () => {
    await expect(
      runTest(function* () {
        yield* taskGroup(function* (group) {
          group.spawn(function* () {
            try {
              yield* sleep(100);
            } finally {
              throw new Error("cleanup failed");
            }
          });
          yield* sleep(1);
          group.cancel();
          yield* sleep(100);
        });
      }),
    ).rejects.toThrow("cleanup failed");
  });
});

describe("cancellation at every suspension inside a scope", () => {
  // Each suspension a scope's body can be at when the cancel arrives: a timer,
  // an event, a join, a shielded wait, the drain of spawned tasks.
  const suspensions: [string, (ev: Event) => Generator<never, unknown, unknown>][] = [
    [
      "sleep",
      function* () {
        yield* sleep(1000);
      } as never,
    ],
    [
      "event wait",
      function* (ev: Event) {
        yield* ev.wait();
      } as never,
    ],
    [
      "join of a child",
      function* () {
        yield* spawn(function* () {
          yield* sleep(1000);
        });
      } as never,
    ],
    [
      "taskGroup",
      function* () {
        yield* taskGroup(function* (g) {
          g.spawn(function* () {
            yield* sleep(1000);
          });
        });
      } as never,
    ],
    [
      "nested scope",
      function* () {
        yield* cancelScope(function* () {
          yield* sleep(1000);
        });
      } as never,
    ],
    [
      "timeout",
      function* () {
        yield* timeout(5000, sleep(1000));
      } as never,
    ],
  ];
  for (const [name, wait] of suspensions) {
    it(`at a ${name}: finally once, the scope returns undefined at the cancel's time`, async () => {
      const got = await runTest(function* () {
        const ev = new Event();
        let finallies = 0;
        let s: CancelScope | undefined;
        spawn(function* () {
          yield* sleep(7);
          s?.cancel();
        });
        const v = yield* cancelScope(function* (scope) {
          s = scope;
          try {
            yield* wait(ev);
            return "finished";
          } finally {
            finallies++;
          }
        });
        return { v, finallies, t: now(), cancelled: s?.cancelled };
      });
      expect(got).toEqual({ v: undefined, finallies: 1, t: 7, cancelled: true });
    });
  }

  it("the error seen inside is a CancelledError", async () => {
    const got = await runTest(function* () {
      let seen: unknown;
      yield* moveOnAfter(1, function* () {
        try {
          yield* sleep(10);
        } catch (error) {
          seen = error;
          throw error;
        }
      });
      return seen;
    });
    expect(got).toBeInstanceOf(CancelledError);
  });
});

describe("decided: teardown order and which error wins", () => {
  it("a parent's children are torn down concurrently: all cancelled at once, the parent completes after the last cleanup", async () => {
    const log: string[] = [];
    const got = await runTest(function* () {
      const parent = spawn(function* () {
        for (const name of ["first", "second", "third"]) {
          spawn(function* () {
            try {
              yield* sleep(1000);
            } finally {
              log.push(`${name} cleanup starts at ${now()}`);
              yield* sleep(10);
            }
          });
        }
        yield* sleep(1);
      });
      yield* parent;
      return now();
    });
    expect(log).toEqual([
      "first cleanup starts at 1",
      "second cleanup starts at 1",
      "third cleanup starts at 1",
    ]);
    expect(got).toBe(11); // concurrent: 10 ms of cleanup, not 30
  });

  it("a cancelled task whose child fails during the task's cleanup: the joiner gets the child's error, not CancelledError", async () => {
    const got = await runTest(function* () {
      const t = spawn(function* () {
        spawn(function* () {
          try {
            yield* sleep(1000);
          } finally {
            yield* sleep(1);
            throw new Error("child failed in cleanup");
          }
        });
        yield* sleep(1000);
      });
      yield* sleep(5);
      t.cancel();
      try {
        yield* t;
        return "no error";
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(got).toBe("child failed in cleanup");
  });

  it("a scope entered inside a cancelled task's cleanup still fires its deadline", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const t = spawn(function* () {
        try {
          yield* sleep(1000);
        } finally {
          const v = yield* moveOnAfter(20, function* () {
            yield* sleep(1000);
            return "slow cleanup";
          });
          log.push(`cleanup bounded: ${String(v)} at ${now()}`);
        }
      });
      yield* sleep(5);
      t.cancel();
      yield* sleep(100);
    });
    expect(log).toEqual(["cleanup bounded: undefined at 25"]);
  });

  it("a scope cancelled while the task's own cancellation unwinds does not interrupt that cleanup", async () => {
    const log: string[] = [];
    await runTest(function* () {
      let s: CancelScope | undefined;
      const t = spawn(function* () {
        yield* cancelScope(function* (scope) {
          s = scope;
          try {
            yield* sleep(1000);
          } finally {
            yield* sleep(10);
            log.push(`task cleanup finished at ${now()}`);
          }
        });
      });
      yield* sleep(5);
      t.cancel();
      yield* sleep(2);
      s?.cancel();
      yield* sleep(100);
      expect(t.state).toBe("cancelled");
    });
    expect(log).toEqual(["task cleanup finished at 15"]);
  });
});

describe("debug: a child cancelled only because its parent's body returned", () => {
  it("warns, naming both tasks and where the child was spawned; a joined child or a group does not", async () => {
    const warnings: DebugWarning[] = [];
    await run(
      function* () {
        const server = spawn(
          function* () {
            spawn(
              function* () {
                yield* sleep(1000); // the forgotten work
              },
              { name: "handler-work" },
            );
            const joined = spawn(function* () {
              yield* sleep(1);
            });
            yield* joined;
            yield* taskGroup(function* (group) {
              group.spawn(function* () {
                yield* sleep(1);
              });
            });
          },
          { name: "server" },
        );
        yield* server;
      },
      { debug: { onWarning: (w) => warnings.push(w) } },
    );
    const orphans = warnings.filter((w) => w.kind === "orphan-cancelled");
    expect(orphans).toHaveLength(1);
    const w = orphans[0] as DebugWarning;
    expect(w.task?.name).toBe("handler-work");
    expect(w.message).toContain('"server"');
    expect(w.message).toContain("did you mean to join it");
    expect(w.at).toMatch(/core-scope\.test\.ts:\d+/);
  });
});

describe("a scope body may return a future", () => {
  it("moveOnAfter(ms, () => rx.recv()): the value if it comes in time, undefined if not", async () => {
    const got = await runTest(function* () {
      const [tx, rx] = channel<string>(1);
      const none = yield* moveOnAfter(5, () => rx.recv());
      spawn(function* () {
        yield* sleep(2);
        yield* tx.send("hello");
      });
      const some = yield* moveOnAfter(5, () => rx.recv());
      return { none, some: some?.value, t: now() };
    });
    expect(got).toEqual({ none: undefined, some: "hello", t: 7 });
  });
});

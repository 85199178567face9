import {
  CancelledError,
  type Coroutine,
  currentTask,
  type Future,
  now,
  resource,
  run,
  sleep,
  spawn,
  type Task,
  taskGroup,
} from "corio";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

/** A resource that logs its setup and teardown, both of which wait. */
function logged(name: string, log: string[]): Future<{ name: string; open: boolean }> {
  return resource(function* (provide) {
    yield* sleep(5);
    const handle = { name, open: true };
    log.push(`${name} up at ${now()}`);
    yield* provide(handle);
    log.push(`${name} teardown starts at ${now()}`);
    yield* sleep(3);
    handle.open = false;
    log.push(`${name} down at ${now()}`);
  });
}

describe("resource", () => {
  it("the value lives until the acquiring task ends; then the teardown (which waits) runs before it completes", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const user = spawn(function* () {
        const db = yield* logged("db", log);
        log.push(`using ${db.name} at ${now()}, open=${db.open}`);
        yield* sleep(10);
        log.push(`user body ends at ${now()}`);
        return db;
      });
      const db = yield* user;
      log.push(`user joined at ${now()}, open=${db.open}`);
    });
    expect(log).toEqual([
      "db up at 5",
      "using db at 5, open=true",
      "user body ends at 15",
      "db teardown starts at 15",
      "db down at 18",
      "user joined at 18, open=false",
    ]);
  });

  it("teardown also runs when the acquiring task is cancelled, and the cancel still ends it", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const user = spawn(function* () {
        yield* logged("conn", log);
        yield* sleep(1000);
      });
      yield* sleep(10);
      user.cancel();
      let error: unknown;
      try {
        yield* user;
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CancelledError);
      log.push(`joined at ${now()}`);
    });
    expect(log).toEqual([
      "conn up at 5",
      "conn teardown starts at 10",
      "conn down at 13",
      "joined at 13",
    ]);
  });

  it("several resources in one task all tear down when it ends", async () => {
    const log: string[] = [];
    await runTest(function* () {
      yield* spawn(function* () {
        const a = yield* logged("a", log);
        const b = yield* logged("b", log);
        return [a.name, b.name];
      });
    });
    expect(log.filter((l) => l.includes("down at")).sort()).toEqual([
      "a down at 13",
      "b down at 13",
    ]);
  });

  it("a second cancel during the teardown does not cut it short", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const user = spawn(function* () {
        yield* logged("file", log);
        yield* sleep(1000);
      });
      yield* sleep(10);
      user.cancel();
      yield* sleep(1); // inside the 3 ms teardown
      user.cancel("again");
      try {
        yield* user;
      } catch (e) {
        expect(e).toBeInstanceOf(CancelledError);
      }
    });
    expect(log).toEqual(["file up at 5", "file teardown starts at 10", "file down at 13"]);
  });

  it("a setup error is thrown to the caller, once (the task is not failed a second time)", async () => {
    const outcome = await runTest(function* () {
      try {
        yield* resource<number>(function* () {
          yield* sleep(2);
          throw new Error("cannot connect");
        });
      } catch (e) {
        return `caught ${(e as Error).message}`;
      }
      return "not thrown";
    });
    expect(outcome).toBe("caught cannot connect");
  });

  it("cancelling the caller during setup interrupts the setup (its finally runs); nothing is provided", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const user = spawn(function* () {
        yield* resource(function* (provide) {
          try {
            yield* sleep(100);
          } finally {
            log.push(`setup cleanup at ${now()}`);
          }
          log.push("provided");
          yield* provide(1);
        });
      });
      yield* sleep(10);
      user.cancel();
      try {
        yield* user;
      } catch (e) {
        expect(e).toBeInstanceOf(CancelledError);
      }
    });
    expect(log).toEqual(["setup cleanup at 10"]);
  });

  it("an error in the teardown fails the task that acquired it", async () => {
    await expect(
      run(function* () {
        yield* resource(function* (provide) {
          yield* provide("x");
          yield* sleep(1);
          throw new Error("teardown failed");
        });
        return "body done";
      }),
    ).rejects.toThrow("teardown failed");
  });

  it("works inside a task group body: released when the group's body task ends", async () => {
    const log: string[] = [];
    const value = await runTest(function* () {
      return yield* taskGroup(function* (group) {
        const r = yield* logged("g", log);
        group.spawn(function* () {
          yield* sleep(1);
        });
        return r.name;
      });
    });
    expect(value).toBe("g");
    expect(log).toContain("g down at 9");
  });

  it("bad use: provide twice, provide outside the body, no provide, body not a function, awaited twice", async () => {
    await expect(
      run(function* () {
        yield* resource(function* (provide) {
          yield* provide(1);
          yield* provide(2);
        });
      }),
    ).rejects.toThrow(/provide\(\) was called twice/);

    let leaked: ((v: number) => Future<void>) | null = null;
    await expect(
      run(function* () {
        yield* resource<number>(function* (provide) {
          leaked = provide;
          yield* provide(1);
        });
        (leaked as unknown as (v: number) => Future<void>)(2);
      }),
    ).rejects.toThrow(/outside its resource's body/);

    await expect(run(() => resource(function* () {}))).rejects.toThrow(
      /returned without calling provide/,
    );
    expect(() => resource(42 as never)).toThrow(TypeError);

    await expect(
      run(function* () {
        const r = resource(function* (provide) {
          yield* provide(1);
        });
        yield* r;
        yield* r;
      }),
    ).rejects.toThrow(/acquired already/);
  });

  it("no task outlives its owner: the resource task completes before the owner does", async () => {
    let resourceTask: Task<unknown> | null = null;
    await runTest(function* () {
      const owner = spawn(function* (): Coroutine<void> {
        yield* resource(function* (provide) {
          resourceTask = currentTask();
          yield* provide(null);
          yield* sleep(5);
        });
      });
      yield* owner;
      expect(owner.state).toBe("done");
    });
    expect((resourceTask as Task<unknown> | null)?.state).toBe("done");
  });
});

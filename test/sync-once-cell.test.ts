/** OnceCell: one initialisation for concurrent callers; failures and cancellations let the next try. */
import { type Coroutine, OnceCell, sleep, spawn, TimeoutError, timeout } from "corio";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

function* caught(body: () => Coroutine<unknown>): Coroutine<unknown> {
  try {
    return yield* body();
  } catch (e) {
    return e;
  }
}

describe("OnceCell", () => {
  it("concurrent callers wait for one initialisation and all get its value", async () => {
    await runTest(function* () {
      const cell = new OnceCell<number>();
      let runs = 0;
      const init = function* () {
        runs++;
        yield* sleep(10);
        return runs;
      };
      const tasks = [1, 2, 3].map(() => spawn(() => cell.getOrInit(init)));
      yield* waitIdle();
      expect(cell.initialized).toBe(false);
      expect(cell.get()).toBeUndefined();
      for (const t of tasks) expect(yield* t).toBe(1);
      expect(runs).toBe(1);
      expect(cell.initialized).toBe(true);
      expect(cell.get()).toBe(1);
      expect(yield* cell.getOrInit(init)).toBe(1);
      expect(runs).toBe(1);
    });
  });

  it("a failed initialisation throws to its caller only, and the next caller tries", async () => {
    await runTest(function* () {
      const cell = new OnceCell<string>();
      const first = spawn(() =>
        caught(() =>
          cell.getOrInit(function* () {
            yield* sleep(5);
            throw new Error("boom");
          }),
        ),
      );
      const second = spawn(() =>
        cell.getOrInit(function* () {
          return "second";
        }),
      );
      expect(((yield* first) as Error).message).toBe("boom");
      expect(yield* second).toBe("second");
      expect(cell.get()).toBe("second");
    });
  });

  it("a cancelled initialiser leaves the cell empty and a waiting caller initialises it", async () => {
    await runTest(function* () {
      const cell = new OnceCell<string>();
      const slow = function* () {
        yield* sleep(1000);
        return "slow";
      };
      const r = yield* caught(() => timeout(5, cell.getOrInit(slow)));
      expect(r).toBeInstanceOf(TimeoutError);
      expect(cell.initialized).toBe(false);
      // Now with a waiter behind a cancelled initialiser.
      const a = spawn(() => cell.getOrInit(slow));
      const b = spawn(() =>
        cell.getOrInit(function* () {
          return "b";
        }),
      );
      yield* waitIdle();
      a.cancel();
      expect(yield* b).toBe("b");
      expect(cell.get()).toBe("b");
    });
  });

  it("a cancelled waiter changes nothing for the others", async () => {
    await runTest(function* () {
      const cell = new OnceCell<number>();
      const init = spawn(() =>
        cell.getOrInit(function* () {
          yield* sleep(10);
          return 7;
        }),
      );
      yield* waitIdle();
      expect(
        yield* caught(() =>
          timeout(
            1,
            cell.getOrInit(function* () {
              return 0;
            }),
          ),
        ),
      ).toBeInstanceOf(TimeoutError);
      const other = spawn(() =>
        cell.getOrInit(function* () {
          return 0;
        }),
      );
      expect(yield* init).toBe(7);
      expect(yield* other).toBe(7);
    });
  });

  it("trySet sets an empty cell only; a non-generator body is a clear TypeError", async () => {
    await runTest(function* () {
      const cell = new OnceCell<number>();
      expect(cell.trySet(1)).toBe(true);
      expect(cell.trySet(2)).toBe(false);
      expect(cell.get()).toBe(1);
      const empty = new OnceCell<number>();
      const bad = yield* caught(() => empty.getOrInit((async () => 1) as never));
      expect(bad).toBeInstanceOf(TypeError);
      expect((bad as Error).message).toMatch(/OnceCell.getOrInit\(body\)/);
      expect(empty.initialized).toBe(false);
      expect(
        yield* empty.getOrInit(function* () {
          return 3;
        }),
      ).toBe(3);
    });
  });
});

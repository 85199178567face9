/**
 * `yield future` (the missing `*`) is a type error where a body is passed to
 * spawn, run, taskGroup, combinators and scopes: what a coroutine yields is
 * branded (`Suspend`), so only `yield*` produces it. This file is checked by
 * `npm run typecheck` (tsc over test/): each `@ts-expect-error` fails the
 * typecheck if the line it covers stops being an error. At run time the test
 * confirms the same mistake is also caught by the executor.
 */
import {
  all,
  type Coroutine,
  cancelScope,
  moveOnAfter,
  race,
  run,
  shield,
  sleep,
  spawn,
  taskGroup,
  timeout,
} from "corio";
import { describe, expect, it } from "vitest";

// Never called: these only have to typecheck (or, where marked, fail to).
function typeChecks(): void {
  // @ts-expect-error `yield` on a future instead of `yield*`
  spawn(function* () {
    yield sleep(1);
  });
  // @ts-expect-error
  void run(function* () {
    yield sleep(1);
  });
  // @ts-expect-error
  void cancelScope(function* () {
    yield sleep(1);
  });
  // @ts-expect-error
  void moveOnAfter(10, function* () {
    yield sleep(1);
  });
  // @ts-expect-error
  void shield(function* () {
    yield sleep(1);
  });
  // @ts-expect-error
  void timeout(10, function* () {
    yield sleep(1);
  });
  void taskGroup(function* (group) {
    // @ts-expect-error
    group.spawn(function* () {
      yield sleep(1);
    });
  });
  void all([
    // @ts-expect-error
    function* () {
      yield sleep(1);
    },
  ]);
  // @ts-expect-error
  const c: Coroutine<void> = (function* () {
    yield sleep(1);
  })();
  // The right spelling typechecks everywhere.
  spawn(function* () {
    yield* sleep(1);
  });
  void race([
    function* () {
      yield* sleep(1);
      return 1;
    },
  ]);
  void c;
}

describe("yield without *", () => {
  it("is also refused at run time, with a message that says to use yield*", async () => {
    expect(typeof typeChecks).toBe("function");
    await expect(
      run(function* () {
        yield sleep(1) as never;
      }),
    ).rejects.toThrow(/use `yield\*`/);
  });
});

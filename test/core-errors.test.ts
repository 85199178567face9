import { Runtime, run, spawn, taskGroup } from "corio";
import { describe, expect, it } from "vitest";

async function failureOf(body: () => Generator<unknown, unknown, unknown>): Promise<Error> {
  try {
    await run(body as never);
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the run to fail");
}

describe("bad input gets a clear error at the call that made it", () => {
  it("yield of a plain value says to use yield*", async () => {
    const error = await failureOf(function* () {
      yield 42;
    });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/yield\*/);
  });

  it("yield of a Promise says to use call()", async () => {
    const error = await failureOf(function* () {
      yield Promise.resolve(1);
    });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/call\(promise\)/);
  });

  it("yield of a future without the star says to use yield*", async () => {
    const { sleep } = await import("corio");
    const error = await failureOf(function* () {
      yield sleep(1);
    });
    expect(error.message).toMatch(/used `yield` on a future.*use `yield\*`/);
  });

  it("the TypeError is thrown into the coroutine, which may catch it", async () => {
    const value = await run(function* () {
      try {
        yield "oops";
      } catch (error) {
        return (error as Error).name;
      }
    } as never);
    expect(value).toBe("TypeError");
  });

  it("spawn with no current task says to use runtime.spawn", () => {
    expect(() =>
      spawn(function* () {
        yield* [];
      } as never),
    ).toThrow(/runtime\.spawn/);
  });

  it("a body that is not a coroutine is refused with the reason", () => {
    const rt = new Runtime();
    expect(() => rt.spawn(42 as never)).toThrow(/expected a coroutine/);
    expect(() => rt.spawn((async () => 1) as never)).toThrow(/async function.*call\(promise\)/);
    expect(() => rt.spawn(() => 7 as never)).toThrow(/got a number/);
  });

  it("a bad name is refused", () => {
    expect(() => new Runtime().spawn(function* () {}, { name: 5 as never })).toThrow(
      /name must be a string/,
    );
  });

  it("a bad seed is refused", () => {
    expect(() => new Runtime({ seed: Number.NaN })).toThrow(/seed/);
  });

  it("taskGroup needs a function", async () => {
    await expect(run(() => taskGroup(42 as never))).rejects.toThrow(/taskGroup\(body\)/);
  });

  it("run() twice on the same runtime at once is refused", async () => {
    const rt = new Runtime();
    const first = rt.run(function* () {});
    expect(() => rt.run(function* () {})).toThrow(/already running/);
    await first;
  });

  it("step() while run() drives the runtime is refused", async () => {
    const rt = new Runtime();
    const running = rt.run(function* () {});
    expect(() => rt.step()).toThrow(/not while run/);
    await running;
  });
});

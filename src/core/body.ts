/** Turning what users pass as a "body" into a coroutine, with clear errors for the usual mistakes. */
import type { Coroutine } from "./future.js";
import { describeFuture, isFuture } from "./future.js";
import { futureAsCoroutine } from "./future-body.js";

/** A coroutine (a generator object, not yet started) or a function returning one. */
export type Body<T> = Coroutine<T> | (() => Coroutine<T>);

/** @internal Returns the coroutine for `body`, calling it if it is a function. */
export function toCoroutine<T>(body: Body<T>, where: string): Coroutine<T> {
  const gen = typeof body === "function" ? body() : body;
  if (!isCoroutine(gen)) {
    // Slow path: a future (or a function returning one) runs as `yield* future`.
    const awaiting = futureAsCoroutine(gen);
    if (awaiting !== null) return awaiting as Coroutine<T>;
    throw new TypeError(describeBadBody(body, gen, where));
  }
  return gen as Coroutine<T>;
}

/** @internal True for a generator object (or anything with the generator interface). */
export function isCoroutine(value: unknown): value is Coroutine<unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as Coroutine<unknown>).next === "function" &&
    typeof (value as Coroutine<unknown>).throw === "function" &&
    typeof (value as Coroutine<unknown>).return === "function" &&
    typeof (value as { poll?: unknown }).poll !== "function"
  );
}

function describeBadBody(body: unknown, made: unknown, where: string): string {
  const isAsyncFn =
    typeof body === "function" &&
    (body as { constructor?: { name?: string } }).constructor?.name === "AsyncFunction";
  if (isAsyncFn || made instanceof Promise) {
    return `${where}: got an async function or a Promise; a body must be a generator (function*). To wait on a Promise inside a coroutine, use \`yield* call(promise)\`.`;
  }
  return `${where}: expected a coroutine (a generator object) or a function returning one, got ${typeName(made)}`;
}

/** @internal A short description of a value's type for error messages. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? `a ${name}` : "an object";
  }
  return typeof value === "undefined" ? "undefined" : `a ${typeof value} (${String(value)})`;
}

/** @internal The error for a coroutine that yielded something other than a future through `yield*`. */
export function badYield(value: unknown): TypeError {
  if (
    value instanceof Promise ||
    (value !== null &&
      typeof (value as { then?: unknown })?.then === "function" &&
      !isFuture(value))
  ) {
    return new TypeError(
      "a coroutine yielded a Promise: use `yield* call(promise)` to wait for it",
    );
  }
  if (isFuture(value)) {
    return new TypeError(
      `a coroutine used \`yield\` on a future (${describeFuture(value)}); use \`yield*\`: \`const v = yield* future\``,
    );
  }
  if (isCoroutine(value)) {
    return new TypeError(
      "a coroutine yielded a generator; use `yield*` to run it: `const v = yield* body()`",
    );
  }
  return new TypeError(
    `a coroutine yielded ${typeName(value)}; corio coroutines only wait on futures, with \`yield*\` (e.g. \`yield* sleep(10)\`)`,
  );
}

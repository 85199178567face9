/** Turning what users pass as a "body" into a coroutine, with clear errors for the usual mistakes. */
import type { Coroutine } from "./future.js";
import { describeFuture, isFuture } from "./future.js";
import { futureAsCoroutine } from "./future-body.js";

/** A coroutine (a generator object, not yet started) or a function returning one. */
export type Body<T> = Coroutine<T> | (() => Coroutine<T>);

/**
 * %GeneratorPrototype%: the prototype of every generator function's `prototype`
 * object, and where every generator's `next`, `throw` and `return` live.
 */
const GeneratorPrototype = Object.getPrototypeOf(function* () {}.prototype) as Generator;

/**
 * Constructors for the brand checks by `instanceof`: the `prototype` of one is
 * %GeneratorPrototype% (on every generator's chain), of the other
 * %GeneratorFunction.prototype% (the [[Prototype]] of every `function*`).
 *
 * Why `instanceof` and not `Object.getPrototypeOf`: V8's getPrototypeOf builtin
 * calls into the C++ runtime on every call, optimized code included (about 140
 * instructions each, 270 for the two a generator check took), where `instanceof`
 * is a walk of the prototype chain in generated code (about 40 instructions).
 */
function GeneratorBrand(): void {}
GeneratorBrand.prototype = GeneratorPrototype;
const GeneratorFunction = function* () {}.constructor as new () => unknown;

/**
 * The one `prototype` object corio gives every generator function it calls as
 * a task body (see `shareProto`). It inherits from %GeneratorPrototype% like
 * the default one, so the generators it makes are ordinary generators.
 */
const SHARED_PROTO = Object.create(GeneratorPrototype) as object;

/** Marks a body function seen twice, whose `prototype` corio has already replaced (`shareProto`). */
const SHARED: unique symbol = Symbol("corio.sharedPrototype");

type GeneratorFn = { [SHARED]?: true; prototype: object };

/**
 * The generator functions most recently given the shared prototype (a ring of
 * RECENT entries): a function seen again while still here is marked (SHARED).
 */
const RECENT = 8;
const recent: unknown[] = [null, null, null, null, null, null, null, null];
let recentAt = 0;

/**
 * Gives a generator function corio is about to call as a body the shared
 * `prototype` object, once per function.
 *
 * Why: the first call of a generator function makes V8 build, for that one
 * function, a fresh `prototype` object, a hidden class to turn it into a
 * prototype, and the hidden class of its generators. A body written inline
 * (`spawn(function* () {...})`) is a new closure per task, so every task paid
 * for all three: about a third of the instructions of spawning such a task,
 * and the bulk of its memory (docs/internals.md, "Spawn path"). With a shared
 * `prototype` already in place V8 only makes the generators' hidden class.
 *
 * Once per function: setting a function's `prototype` after its first call
 * makes V8 copy its generators' hidden class each time, which would tax
 * `spawn(worker)` called in a loop. A function seen again while it is among
 * the last RECENT ones given the prototype is marked (the SHARED symbol) and
 * never given it again. Fresh closures, seen once, are not marked: the mark
 * is a property added to the function (a properties array the GC copies for
 * as long as the task lives), about 850 instructions per closure task.
 * A function reused only with more than RECENT other bodies in between gets
 * the prototype again on each use: it costs what a closure costs, no more.
 *
 * What a user can see: `fn.prototype` of a body function is corio's shared
 * object (nothing in corio reads it; `gen instanceof fn` holds for any body's
 * generator). A frozen function, or one whose `prototype` cannot be written,
 * keeps its own. The ring holds the last RECENT body functions alive until
 * later bodies replace them.
 */
function shareProto(fn: GeneratorFn): void {
  for (let i = 0; i < RECENT; i++) {
    if (recent[i] === fn) {
      markShared(fn);
      return;
    }
  }
  recent[recentAt] = fn;
  recentAt = (recentAt + 1) & (RECENT - 1);
  try {
    fn.prototype = SHARED_PROTO;
  } catch {
    // Frozen or non-writable: V8 makes the prototype as usual.
  }
}

/** Marks a body function seen twice, so that `shareProto` is not called for it again. */
function markShared(fn: GeneratorFn): void {
  try {
    fn[SHARED] = true;
  } catch {
    // Frozen: stays in the ring's hands (a frozen function's prototype is never written).
  }
}

/**
 * @internal `%GeneratorPrototype%.next`, `.throw` and `.return`, called with
 * `.call(gen, x)`. The kernel resumes generators through these and never reads
 * `gen.next` off the generator: a generator function written inline (a closure
 * per task) gives each of its generators a prototype, and so a hidden class, of
 * its own, and a property load that sees thousands of hidden classes goes
 * megamorphic (a global stub-cache lookup on every resume).
 */
export const genNext = GeneratorPrototype.next as (
  this: Coroutine<unknown>,
  value?: unknown,
) => IteratorResult<never, unknown>;
export const genThrow = GeneratorPrototype.throw as (
  this: Coroutine<unknown>,
  error: unknown,
) => IteratorResult<never, unknown>;
export const genReturn = GeneratorPrototype.return as (
  this: Coroutine<unknown>,
  value: unknown,
) => IteratorResult<never, unknown>;

/**
 * @internal Returns the coroutine for `body`, calling it if it is a function
 * (a generator function gets the shared prototype first: `shareProto`):
 * always a real generator object, so that the kernel may resume it through
 * `genNext`/`genThrow`/`genReturn`. A generator is recognised by
 * %GeneratorPrototype% on its prototype chain (`isGenerator`); anything else with the
 * generator interface (a hand-written coroutine-like object) is wrapped in a
 * generator that delegates to it with `yield*`, which forwards `next`, `throw`
 * and `return` unchanged.
 */
export function toCoroutine<T>(body: Body<T>, where: string): Coroutine<T> {
  let gen: unknown = body;
  if (typeof body === "function") {
    // A `function*` (not an arrow returning a generator): share its prototype before the first call.
    if (body instanceof GeneratorFunction && (body as unknown as GeneratorFn)[SHARED] === undefined)
      shareProto(body as unknown as GeneratorFn);
    gen = body();
  }
  if (isGenerator(gen)) return gen as Coroutine<T>;
  if (isCoroutine(gen)) return adopt(gen as Coroutine<T>);
  // Slow path: a future (or a function returning one) runs as `yield* future`.
  const awaiting = futureAsCoroutine(gen);
  if (awaiting !== null) return awaiting as Coroutine<T>;
  throw new TypeError(describeBadBody(body, gen, where));
}

/**
 * @internal True for a generator object made by a `function*` (the brand
 * check: %GeneratorPrototype% on its prototype chain, no property loads).
 */
export function isGenerator(value: unknown): boolean {
  return value instanceof GeneratorBrand;
}

/** The slow path: a coroutine-like object run inside a real generator. */
function* adopt<T>(coroutine: Coroutine<T>): Coroutine<T> {
  return (yield* { [Symbol.iterator]: () => coroutine }) as T;
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

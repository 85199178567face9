/**
 * `resource()`: a value with a setup and a teardown, tied to the lifetime of
 * the task that acquires it (Effection's `resource`).
 *
 * The model
 * ---------
 * Awaiting a resource future (`yield* resource(body)`) in task A starts the
 * resource's body in a task R, a child of A. R runs the setup and calls
 * `provide(value)`: the value goes to A, and R waits in `provide` until A's
 * body ends. As a child of A, R is then cancelled by the kernel; but R has
 * been shielded since `provide`, so the cancel does not unwind it: it wakes
 * `provide` (through R's abort signal), which returns normally, and the code
 * after it, the teardown, runs to its end and may wait. A completes once R
 * has (no task outlives its parent).
 *
 * While A waits for the setup it joins R, so a setup error is thrown to A
 * (and counted as joined: it does not fail A a second time); if A's wait is
 * cancelled, R is cancelled (setup interrupted, its `finally` blocks run).
 * After `provide`, R is an ordinary child of A: an error in the teardown fails
 * A, as an unjoined child's failure does.
 */
import { toCoroutine } from "./body.js";
import { delegate } from "./cleanup.js";
import { cur } from "./current.js";
import type { Context, Coroutine, Future, Pending, Waker } from "./future.js";
import { FutureBase, PENDING } from "./future.js";
import { trackCreation } from "./instrument.js";
import { JoinFuture } from "./join.js";
import type { Runtime } from "./runtime.js";
import { Task } from "./task.js";

/** Hands the value to the task that acquired the resource; `yield*` it, and it returns when that task ends. */
export type Provide<T> = (value: T) => Future<void>;

/**
 * A value with setup and teardown: `body(provide)` sets it up, hands it over
 * with `yield* provide(value)`, and, when the task that acquired it ends,
 * carries on after `provide` to tear it down (it may `yield*`) before that
 * task completes. The body runs in its own task, a child of the acquirer.
 *
 * Cancellation: cancelling the acquirer during setup cancels the setup (its
 * `finally` blocks run). Once provided, teardown always runs to its end.
 *
 * Throws (to the acquirer): the setup's error; an Error if the body returns
 * without calling `provide`, or calls it twice or from outside its body.
 *
 * @example
 * function permits(size: number) {
 *   return resource<Semaphore>(function* (provide) {
 *     const semaphore = new Semaphore(size); // setup
 *     yield* provide(semaphore);
 *     yield* sleep(10); // teardown may wait: it runs when the acquiring task ends
 *     console.log("closed");
 *   });
 * }
 * yield* spawn(function* () {
 *   const semaphore = yield* permits(4);
 *   const permit = yield* semaphore.acquire();
 *   permit.release();
 * }); // "closed" is printed before this join completes
 */
export function resource<T>(body: (provide: Provide<T>) => Coroutine<void>): Future<T> {
  if (typeof body !== "function")
    throw new TypeError("resource(body): body must be a generator function (provide) => coroutine");
  return trackCreation(new ResourceFuture(body));
}

class ResourceFuture<T> extends FutureBase<T> {
  readonly #body: (provide: Provide<T>) => Coroutine<void>;
  /** R, once started (at the first poll). */
  #task: Task<void> | null = null;
  /** A's join of R while the setup runs. */
  #join: JoinFuture<void> | null = null;
  #waker: Waker | null = null;
  #provided = false;
  #value: T | undefined = undefined;
  /** Handed to the acquirer: this future is spent. */
  #taken = false;

  constructor(body: (provide: Provide<T>) => Coroutine<void>) {
    super();
    this.#body = body;
  }

  poll(cx: Context): T | Pending {
    if (this.#taken)
      throw new Error(
        "resource(): this resource was acquired already; call resource() again for another",
      );
    if (this.#task === null) {
      const owner = cur.task as Task<unknown>;
      this.#task = Task._spawn(
        () => runResource(this),
        owner,
        cur.rt as Runtime,
        { name: "resource" },
        "resource",
      );
      this.#join = new JoinFuture(this.#task);
    }
    const join = this.#join as JoinFuture<void>;
    if (this.#provided) {
      this.#taken = true;
      join.cancel(); // R is now an ordinary child of the acquirer
      this.#waker = null;
      return this.#value as T;
    }
    this.#waker = cx.waker;
    const ended = join.poll(cx); // throws the setup's error
    if (ended === PENDING) return PENDING;
    this.#taken = true;
    throw new Error("resource(): the body returned without calling provide(value)");
  }

  cancel(): void {
    if (this.#taken || this.#task === null) return;
    this.#taken = true;
    this.#join?.cancel();
    this.#task.cancel();
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#join?.isLocalTo(rt) ?? false;
  }

  override describe(): string {
    return "resource setup";
  }

  /** @internal */
  _body(): (provide: Provide<T>) => Coroutine<void> {
    return this.#body;
  }

  /** @internal `provide(value)` from R's body. */
  _provide(value: T): Future<void> {
    const task = this.#task as Task<void>;
    if (cur.task !== task)
      throw new Error(
        "resource(): provide() was called outside its resource's body (from another task, or after the body ended)",
      );
    if (this.#provided)
      throw new Error("resource(): provide() was called twice; a resource provides one value");
    this.#provided = true;
    this.#value = value;
    // From here on R runs to its end: the acquirer's end only wakes `provide`.
    task._enterShield();
    const waker = this.#waker;
    this.#waker = null;
    waker?.wake();
    return new ProvideWait(task);
  }

  /** @internal Whether R is inside the shield `provide` entered. */
  get _provided(): boolean {
    return this.#provided;
  }
}

/** R's body: the user's body with its `provide`, then the shield given back. */
function* runResource<T>(rf: ResourceFuture<T>): Coroutine<void> {
  const task = cur.task as Task<unknown>;
  const provide: Provide<T> = (value) => rf._provide(value);
  try {
    yield* delegate(toCoroutine(() => rf._body()(provide), "resource(body)"));
  } finally {
    if (rf._provided) task._exitShield();
  }
}

/** `yield* provide(value)`: ready once R is asked to stop (its acquirer's body ended, or the acquisition was dropped). */
class ProvideWait extends FutureBase<void> {
  readonly #task: Task<unknown>;
  #listening: (() => void) | null = null;

  constructor(task: Task<unknown>) {
    super();
    this.#task = task;
  }

  poll(cx: Context): undefined | Pending {
    if (this.#task._cancelRequested) {
      this.cancel();
      return undefined;
    }
    if (this.#listening === null) {
      // Held: the acquirer's wait for its children (a taskGroup body's) does not wait for us.
      (this.#task.parent as Task<unknown>)._holdResource(1);
      // A shielded task is not woken by cancel(); its abort signal still fires.
      const waker = cx.waker;
      this.#listening = () => waker.wake();
      this.#task.signal.addEventListener("abort", this.#listening, { once: true });
    }
    return PENDING;
  }

  cancel(): void {
    if (this.#listening === null) return;
    this.#task.signal.removeEventListener("abort", this.#listening);
    this.#listening = null;
    (this.#task.parent as Task<unknown>)._holdResource(-1);
  }

  /** Only the end of a task of this runtime (the acquirer) completes it. */
  isLocalTo(rt: Runtime): boolean {
    return this.#task._findRuntime() === rt;
  }

  override describe(): string {
    const owner = this.#task.parent;
    return `provide (until ${owner?.name ?? "its owner"} ends)`;
  }
}

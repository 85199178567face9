/**
 * "Touched by": which runtime may complete a wait on a primitive, for deadlock
 * detection (docs/internals.md, "Deadlock and touched by").
 *
 * Why in core/: the runtime's deadlock check asks every parked future
 * `isLocalTo(rt)`, and the answer comes from here for every primitive that can
 * hold a task — channels and locks in sync/, but also accept and datagram
 * queues in net/. It is kernel bookkeeping that both sides build on, so it
 * lives in the kernel rather than in one of its users.
 *
 * Each primitive keeps one `Owner` value:
 *   UNTOUCHED  created inside a task and not used yet;
 *   a Runtime  only that runtime's tasks have used it;
 *   SHARED     another runtime or plain async code (outside any task) used it,
 *              or plain code created it: from then on, forever.
 * A task parked on the primitive counts towards a deadlock only while the
 * owner is its own runtime.
 *
 * Why creation by plain code counts as a touch: a channel made outside any
 * task and handed to `run()` is still held by the plain code that made it,
 * which may send on it later (from a `setTimeout`, say) without having touched
 * it yet. Reporting a deadlock there would be a false alarm, and corio prefers
 * missing a deadlock to a false alarm. Creation inside a task is not a touch: a
 * channel a task makes and hands to another runtime belongs to whoever uses it.
 */
import { cur } from "./current.js";
import type { Runtime } from "./runtime.js";

export type Owner = Runtime | typeof UNTOUCHED | typeof SHARED;

// Objects, not symbols: primitives compare their owner with a Runtime on every
// operation, and V8 compiles a compare site that has seen both a symbol and an
// object to a call of its generic StrictEqual builtin (~1.3 % of a ping-pong
// profile); object against object is one pointer compare.
export const UNTOUCHED: { readonly owner: "untouched" } = Object.freeze({ owner: "untouched" });
export const SHARED: { readonly owner: "shared" } = Object.freeze({ owner: "shared" });

/** The owner a primitive starts with: UNTOUCHED inside a task, SHARED in plain code. */
export function initialOwner(): Owner {
  return cur.task === null ? SHARED : UNTOUCHED;
}

/**
 * The owner after the current caller uses the primitive. Call as
 * `this.#owner = touch(this.#owner)` at every operation (a few loads and a
 * compare when nothing changes; the channel core inlines the same test on its
 * hot path).
 */
export function touch(owner: Owner): Owner {
  const by = cur.task === null ? SHARED : (cur.rt as Runtime);
  if (owner === by) return owner;
  return owner === UNTOUCHED ? by : SHARED;
}

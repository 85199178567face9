/** Argument checks shared by the primitives: one clear message per mistake, naming the call. */
import { typeName } from "../core/body.js";

/**
 * Checks a capacity, permit count or party count: an integer of at least
 * `min`. `what` names the call, e.g. "channel(capacity)".
 */
export function checkCount(value: unknown, what: string, min: number, hint = ""): number {
  if (typeof value !== "number") {
    throw new TypeError(`${what}: expected an integer, got ${typeName(value)}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `${what}: expected an integer >= ${min}, got ${String(value)}${hint === "" ? "" : ` (${hint})`}`,
    );
  }
  return value;
}

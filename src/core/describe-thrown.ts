/**
 * Describing a thrown value without throwing again.
 *
 * JavaScript can throw anything: an object with no prototype (`String()` of
 * it throws), one whose `toString` or `Symbol.toPrimitive` throws, an Error
 * whose `message` getter throws, a Proxy whose traps throw (even
 * `instanceof` runs its `getPrototypeOf` trap). Every path that reports an
 * error — the runtime's finish, traces, debug warnings, dumps, `corio ps`,
 * the CLI — goes through these helpers, so a hostile value is reported as
 * what it is instead of replacing the real outcome with a TypeError or
 * crashing the process.
 */

/** `value instanceof cls`, false instead of throwing (a Proxy's getPrototypeOf trap may throw). */
export function isInstance<C>(
  value: unknown,
  cls: abstract new (...args: never[]) => C,
): value is C {
  try {
    return value instanceof cls;
  } catch {
    return false;
  }
}

/** Reads `obj[key]` as a string, or returns null if reading or converting throws. */
function readString(obj: object, key: string): string | null {
  try {
    const v = (obj as Record<string, unknown>)[key];
    return typeof v === "string" ? v : v === undefined ? null : stringOf(v);
  } catch {
    return null;
  }
}

/** `String(value)`, or a description of its type when conversion throws. */
function stringOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return unprintable(value);
  }
}

function unprintable(value: unknown): string {
  let name: string | null = null;
  try {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    if (ctor !== undefined && typeof ctor.name === "string" && ctor.name !== "") name = ctor.name;
  } catch {
    // A Proxy trap or a getter threw: say nothing more about it.
  }
  if (name === null) {
    try {
      if (Object.getPrototypeOf(value) === null) return "[object with no prototype]";
    } catch {
      return "[unprintable value]";
    }
  }
  return `[unprintable ${name ?? typeof value}]`;
}

/** The message of an Error (or the string form of anything else), never throwing. */
export function thrownMessage(value: unknown): string {
  if (isInstance(value, Error)) {
    const message = readString(value, "message");
    return message ?? "(the error's message could not be read)";
  }
  return stringOf(value);
}

/** "Name: message" for an Error, the string form of anything else; never throws. */
export function thrownText(value: unknown): string {
  if (isInstance(value, Error)) {
    const name = readString(value, "name") ?? "Error";
    return `${name}: ${thrownMessage(value)}`;
  }
  return stringOf(value);
}

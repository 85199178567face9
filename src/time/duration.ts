/** Validation shared by everything that takes a duration. */

/** @internal Throws a RangeError unless `ms` is a finite (or, if allowed, infinite) non-negative number. */
export function checkDuration(ms: unknown, where: string, allowInfinity = false): number {
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new RangeError(
      `${where}: the duration must be a number of milliseconds, got ${String(ms)}`,
    );
  }
  if (ms < 0) throw new RangeError(`${where}: the duration must not be negative, got ${ms}`);
  if (!allowInfinity && !Number.isFinite(ms)) {
    throw new RangeError(`${where}: the duration must be finite, got ${ms}`);
  }
  return ms;
}

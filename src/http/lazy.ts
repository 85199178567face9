/**
 * Lazy web objects: a class that answers the cheap members of a web `Request`
 * or `Response` itself and builds the real object only when something needs
 * more.
 *
 * Why: on Node (20 and 24 alike) constructing a `Request` or a `Response` with
 * a body costs microseconds — web IDL conversions, an AbortController, a
 * ReadableStream — which is as much as the rest of a small HTTP exchange. A
 * server handler mostly reads `method`, `url`, `headers` and returns a status,
 * headers and a string; none of that needs the real object.
 *
 * `delegate(Lazy, Web, sample)` completes `Lazy.prototype`: every member of
 * `Web.prototype` that `Lazy` does not define (getters and methods) is
 * forwarded to `this._real()`, and so is every symbol-keyed own property of a
 * real instance (`sample`): that is where undici keeps an object's internals
 * (its state, headers, signal), so undici's own functions — `fetch(req)`,
 * `new Request(req)`, `res.clone()` — accept the lazy object. Then
 * `Web.prototype` is put under `Lazy.prototype`, so `instanceof` holds and
 * `Symbol.toStringTag` and `util.inspect` work. The same technique is used by
 * @hono/node-server; unlike it, corio replaces no global.
 */

/** What a lazy class provides: the real object, built once on first need. */
export interface Lazy {
  _real(): object;
}

/**
 * True when this Node's undici keeps an object's internals in symbol-keyed
 * properties (Node 20), which `delegate` can forward. Where it uses
 * `#private` fields instead (Node 24), undici's own functions reject a lazy
 * object (`new Request(lazy)` throws), so callers hand out the real object.
 */
export const lazySupported: boolean =
  Object.getOwnPropertySymbols(new Request("http://localhost/")).length > 0 &&
  Object.getOwnPropertySymbols(new Response(null)).length > 0;

export function delegate(
  lazy: abstract new (...args: never[]) => Lazy,
  web: { prototype: object },
  sample: object,
): void {
  const proto = lazy.prototype as Record<PropertyKey, unknown>;
  const own = new Set<PropertyKey>(Reflect.ownKeys(proto));
  for (const key of Reflect.ownKeys(web.prototype)) {
    if (own.has(key) || key === "constructor" || typeof key === "symbol") continue;
    const d = Object.getOwnPropertyDescriptor(web.prototype, key);
    if (d === undefined) continue;
    if (d.get !== undefined) {
      Object.defineProperty(proto, key, {
        configurable: true,
        get(this: Lazy) {
          return (this._real() as Record<PropertyKey, unknown>)[key];
        },
      });
    } else if (typeof d.value === "function") {
      Object.defineProperty(proto, key, {
        configurable: true,
        writable: true,
        value(this: Lazy, ...args: unknown[]) {
          const real = this._real() as Record<PropertyKey, (...a: unknown[]) => unknown>;
          return (real[key] as (...a: unknown[]) => unknown).apply(real, args);
        },
      });
    }
  }
  for (const key of Object.getOwnPropertySymbols(sample)) {
    Object.defineProperty(proto, key, {
      configurable: true,
      get(this: Lazy) {
        return (this._real() as Record<symbol, unknown>)[key];
      },
    });
  }
  Object.setPrototypeOf(proto, web.prototype);
}

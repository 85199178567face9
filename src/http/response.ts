/**
 * `response(body, init)`: a `Response` for a handler to return, without the
 * cost of building a web Response.
 *
 * Why: `new Response("hello")` builds a ReadableStream for its body at once,
 * and on Node (20 and 24 alike) that is 15–30 µs — more than everything else
 * corio and Node's HTTP server spend on a small request; even a body-less
 * `new Response(null, init)` spends microseconds in web IDL conversions. `serve`
 * never reads that stream for a string or bytes body: it writes the source.
 *
 * A `LazyResponse` keeps the body source, status and headers as given and
 * answers `status`, `statusText`, `ok`, `headers`, ... itself; `serve` writes
 * it without touching undici. Anything else — `.body`, `text()`, `clone()`,
 * undici's internals — gets a real `Response` built on first need (see
 * lazy.ts), so to user code it behaves as `new Response(body, init)` would.
 */
import { delegate, type Lazy } from "./lazy.js";

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
/** @internal The Content-Type of a string body without one (as `new Response` gives it). */
export const TEXT = "text/plain;charset=UTF-8";
// RFC 9110 reason-phrase: tab, space, visible ASCII, obs-text.
const REASON = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * @internal Appends a Response's headers to Node's flat raw list; returns true
 * if they include a Content-Length.
 */
export function rawHeadersOf(response: Response, raw: string[]): boolean {
  if (response instanceof LazyResponse) return response._rawHeaders(raw);
  return pushHeaders(response.headers, raw);
}

/** Appends `headers` to Node's flat raw list; returns true if they include a Content-Length. */
function pushHeaders(headers: Headers, raw: string[]): boolean {
  let hasLength = false;
  for (const [name, value] of headers) {
    raw.push(name, value);
    if (name === "content-length") hasLength = true;
  }
  return hasLength;
}

/** @internal A Response whose real object (and body stream) is built only if needed. */
export class LazyResponse implements Lazy {
  /** @internal The body as given: what `serve` writes. */
  readonly _source: string | Uint8Array;
  readonly #status: number;
  readonly #statusText: string;
  /**
   * The headers as given, until `headers` is first read; then `null` and
   * `#headers` holds them. Why: building and then iterating undici's Headers
   * costs microseconds a response; `serve` usually needs neither and writes
   * these straight into Node's raw header list.
   */
  #pending: HeadersInit | undefined | null;
  #headers: Headers | null = null;
  #real: Response | null = null;

  constructor(body: string | Uint8Array, init: ResponseInit | undefined) {
    const status = init?.status ?? 200;
    const statusText = init?.statusText ?? "";
    // (Without init: 200 and "", nothing to check; a regular expression and a
    // set lookup less for the common `response(body)`.)
    if (init !== undefined) checkInit(status, statusText);
    this._source = body;
    this.#status = status;
    this.#statusText = statusText;
    this.#pending = init?.headers;
  }

  get status(): number {
    return this.#status;
  }

  get statusText(): string {
    return this.#statusText;
  }

  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }

  get type(): ResponseType {
    return "default";
  }

  get url(): string {
    return "";
  }

  get redirected(): boolean {
    return false;
  }

  get headers(): Headers {
    let headers = this.#headers;
    if (headers === null) {
      const pending = this.#pending;
      headers = new Headers(pending ?? undefined);
      if (typeof this._source === "string" && !headers.has("content-type")) {
        headers.set("content-type", TEXT);
      }
      this.#pending = null;
      this.#headers = headers;
    }
    return headers;
  }

  get bodyUsed(): boolean {
    return this.#real?.bodyUsed ?? false;
  }

  /** @internal The real Response with a body stream, built once. */
  _real(): Response {
    let real = this.#real;
    if (real === null) {
      real = new Response(this._source as BodyInit, {
        status: this.#status,
        statusText: this.#statusText,
        headers: this.headers,
      });
      this.#real = real;
    }
    return real;
  }

  /** @internal True if no headers were given and `headers` was never read: only the defaults apply. */
  get _noHeaders(): boolean {
    return this.#pending === undefined;
  }

  /** @internal `rawHeadersOf` for this response, without building its Headers if it can. */
  _rawHeaders(raw: string[]): boolean {
    const pending = this.#pending;
    if (pending === null) return pushHeaders(this.headers, raw);
    let hasType = false;
    let hasLength = false;
    if (pending !== undefined) {
      for (const [name, value] of entries(pending)) {
        raw.push(name, value);
        const n = name.length;
        if (n === 12 && name.toLowerCase() === "content-type") hasType = true;
        else if (n === 14 && name.toLowerCase() === "content-length") hasLength = true;
      }
    }
    if (!hasType && typeof this._source === "string") raw.push("content-type", TEXT);
    return hasLength;
  }
}

delegate(LazyResponse, Response, new Response(null));

/** The checks `new Response` makes on a status and status text, with its messages. */
function checkInit(status: unknown, statusText: unknown): void {
  if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) {
    throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
  }
  if (typeof statusText !== "string" || !REASON.test(statusText)) {
    throw new TypeError("Invalid statusText");
  }
  if (NULL_BODY_STATUS.has(status as number)) {
    throw new TypeError(
      `response(): a Response with status ${status} cannot have a body (use null)`,
    );
  }
}

/** The name/value pairs of a HeadersInit (a Headers, an array of pairs, or a record). */
function entries(init: HeadersInit): Iterable<[string, string]> {
  if (init instanceof Headers || Array.isArray(init)) return init as Iterable<[string, string]>;
  return Object.entries(init).map(([name, value]) => [name, String(value)]);
}

/**
 * Makes a `Response` as `new Response(body, init)` does, for a handler to
 * return, but cheaply: a string or bytes body, the status and the headers are
 * kept as given and `serve` writes them straight to the socket; the real
 * `Response` (and its body stream) is built only if something reads `.body`
 * (or `text()`, `clone()`, ...). Other bodies (a stream, a Blob, `null`, ...)
 * give a plain `new Response(body, init)`.
 *
 * Cancellation: not an operation; nothing to cancel.
 * Throws: what `new Response` throws for a bad status or status text (and a
 * `TypeError` for a body with status 204 or 304). Header names and values are
 * checked when the response is sent (a bad one gets a 500 and goes to
 * `onError`) or when its `headers` are first read.
 *
 * @example
 * yield* serve({ port: 0, onListen: ({ port }) => console.log(`on ${port}`) }, function* () {
 *   return response("hello\n", { headers: { "cache-control": "no-store" } });
 * });
 */
export function response(body?: BodyInit | null, init?: ResponseInit): Response {
  return typeof body === "string" || body instanceof Uint8Array
    ? (new LazyResponse(body, init) as unknown as Response)
    : new Response(body, init);
}

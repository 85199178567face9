/**
 * The `Request` a handler receives: a web-standard `Request` built lazily over
 * Node's `IncomingMessage` (see lazy.ts for the technique and why).
 *
 * `method`, `url`, `headers` (built on first use) and `signal` are answered
 * here; the body is read straight from Node's stream by corio's
 * `text()`/`json()`/`bytes()`. Anything else — `clone()`, `formData()`, `body`
 * as a stream, `cache`, ... — builds the real `Request` once and delegates to
 * it; from then on it is the source of truth.
 */
import type { IncomingMessage } from "node:http";
import { delegate, type Lazy, lazySupported } from "./lazy.js";
import { BodyTooLargeError } from "./limits.js";

/** What the lazy request needs from its exchange. */
export interface RequestSource {
  /** Its task's signal. */
  readonly signal: AbortSignal;
  /** The server's `maxBodyBytes`. */
  readonly maxBodyBytes: number;
  /** Called when a body read went past `maxBodyBytes`: the connection cannot be reused. */
  bodyTooLarge(): void;
}

const NO_BODY = 0;
const BODY_UNREAD = 1;
const BODY_TAKEN = 2; // read by corio's text()/json()/bytes(), or handed to the real Request

/** @internal The lazy request; exported for the body helpers' fast path. */
export class ServerRequest implements Lazy {
  readonly #msg: IncomingMessage;
  /** The absolute URL, built on first use (from the Host header kept in `#host`). */
  #url: string | null = null;
  readonly #host: string | undefined;
  readonly #scheme: string;
  readonly #origin: string;
  readonly #source: RequestSource;
  #headers: Headers | null = null;
  #real: Request | null = null;
  #body: number;
  /** The declared Content-Length; -1 without one (chunked, or no body). */
  readonly declaredLength: number = -1;

  /**
   * `scheme`: "http" or "https"; `origin`: the server's own
   * "scheme://host:port", for requests without a usable Host.
   */
  constructor(msg: IncomingMessage, scheme: string, origin: string, source: RequestSource) {
    this.#msg = msg;
    this.#source = source;
    // One pass over the raw headers (Node's `msg.headers` object is built
    // lazily; not asking for it saves building it): the Host for the URL, and
    // the framing — Node has parsed it: a body exists if it has a length or a
    // transfer coding.
    let host: string | undefined;
    let body = NO_BODY;
    const raw = msg.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const n = name.length;
      if (n === 4) {
        // (As clients spell it first: no lower-casing for them.)
        if (
          host === undefined &&
          (name === "Host" || name === "host" || name.toLowerCase() === "host")
        )
          host = raw[i + 1];
      } else if (n === 14) {
        const value = raw[i + 1] as string;
        if (value !== "0" && name.toLowerCase() === "content-length") {
          body = BODY_UNREAD;
          this.declaredLength = Number(value); // Node has checked it is a number
        }
      } else if (n === 17) {
        if (name.toLowerCase() === "transfer-encoding") body = BODY_UNREAD;
      }
    }
    this.#body = body;
    this.#host = host;
    this.#scheme = scheme;
    this.#origin = origin;
  }

  get method(): string {
    return this.#msg.method as string;
  }

  get url(): string {
    let url = this.#url;
    if (url === null) {
      url = requestUrl(this.#msg.url as string, this.#host, this.#scheme, this.#origin);
      this.#url = url;
    }
    return url;
  }

  get headers(): Headers {
    if (this.#real !== null) return this.#real.headers;
    let headers = this.#headers;
    if (headers === null) {
      headers = new Headers();
      const raw = this.#msg.rawHeaders;
      for (let i = 0; i < raw.length; i += 2)
        headers.append(raw[i] as string, raw[i + 1] as string);
      this.#headers = headers;
    }
    return headers;
  }

  /** Aborted when the request's task is cancelled: the client went away, or the server stopped. */
  get signal(): AbortSignal {
    return this.#source.signal;
  }

  get bodyUsed(): boolean {
    if (this.#real !== null) return this.#real.bodyUsed;
    return this.#body === BODY_TAKEN;
  }

  /**
   * @internal The Node stream to read the body from, marking it used; `null`
   * if there is no body. Throws if the body was already used.
   */
  _takeNodeBody(): IncomingMessage | null {
    if (this.#real !== null || this.#body === BODY_TAKEN) {
      throw new TypeError(
        "Body is unusable: the request body has already been read; read it once and keep the result (or req.clone() before the first read)",
      );
    }
    if (this.#body === NO_BODY) return null;
    this.#body = BODY_TAKEN;
    return this.#msg;
  }

  /** @internal The server's `maxBodyBytes`. */
  get _bodyLimit(): number {
    return this.#source.maxBodyBytes;
  }

  /** @internal A read went past `maxBodyBytes`: the error to throw (the connection will close). */
  _tooLarge(): BodyTooLargeError {
    this.#source.bodyTooLarge();
    return new BodyTooLargeError(this.#source.maxBodyBytes);
  }

  /** @internal True while corio can still read the body straight from Node's stream. */
  get _fast(): boolean {
    return this.#real === null;
  }

  /**
   * @internal What the handler gets: this lazy request, or the real one where
   * undici would reject a lazy object (see `lazySupported`).
   */
  forHandler(): Request {
    return lazySupported ? (this as unknown as Request) : this._real();
  }

  /** @internal The real `Request`, built on first need. */
  _real(): Request {
    let real = this.#real;
    if (real !== null) return real;
    const init: RequestInit & { duplex?: "half" } = {
      method: this.method,
      headers: this.headers,
      signal: this.signal,
    };
    const method = this.method;
    if (this.#body !== NO_BODY && method !== "GET" && method !== "HEAD") {
      init.duplex = "half";
      init.body =
        this.#body === BODY_UNREAD
          ? limitedBody(this.#msg, this)
          : new ReadableStream({ start: (c) => c.close() });
    }
    real = new Request(this.url, init);
    // Read through corio already: the real body must report itself used.
    if (this.#body === BODY_TAKEN && real.body !== null) real.arrayBuffer().catch(() => {});
    this.#body = BODY_TAKEN;
    this.#real = real;
    this.#headers = null;
    return real;
  }
}

/**
 * The body as a web stream, for the real `Request`, that errors with
 * `BodyTooLargeError` once it passes the server's limit. Pulled: Node's
 * stream is paused whenever the web stream's queue is full, so nothing is
 * buffered beyond it; past the limit, reading stops for good and Node
 * discards the rest while the 413 goes out (the connection then closes).
 */
function limitedBody(msg: IncomingMessage, request: ServerRequest): ReadableStream<Uint8Array> {
  const limit = request._bodyLimit;
  let size = 0;
  let onData: ((chunk: Buffer) => void) | null = null;
  const stop = (): void => {
    if (onData !== null) msg.off("data", onData);
    onData = null;
    msg.pause();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > limit) {
          stop();
          controller.error(request._tooLarge());
          return;
        }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        if ((controller.desiredSize ?? 0) <= 0) msg.pause();
      };
      msg.on("data", onData);
      msg.once("end", () => {
        if (onData !== null) controller.close();
        stop();
      });
      msg.once("error", (error) => {
        if (onData !== null) controller.error(error);
        stop();
      });
      msg.pause();
    },
    pull() {
      if (onData !== null) msg.resume();
    },
    cancel() {
      stop();
    },
  });
}

delegate(ServerRequest, Request, new Request("http://localhost/"));

// A Host header we can put in a URL as is: a name or IPv4, or a bracketed IPv6, and a port.
const HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The request's absolute URL: scheme and authority from the Host header (else
 * the server's own address), path and query from the request target.
 *
 * An absolute-form target (`GET http://other.example/x`, what a client sends
 * to a proxy) contributes only its path: the authority comes from Host as for
 * any other request. A server is not a proxy, and a `req.url` naming a host
 * the client picked at will would mislead code that trusts it (links, cache
 * keys, redirects); Host is what virtual hosting and every other server keys
 * on. `*` (OPTIONS *) becomes the path `/`.
 */
function requestUrl(
  target: string,
  host: string | undefined,
  scheme: string,
  origin: string,
): string {
  let path = target;
  if (target.charCodeAt(0) !== 47 /* "/" */) path = pathOf(target);
  return host !== undefined && HOST.test(host) ? `${scheme}://${host}${path}` : origin + path;
}

/** The path and query of an absolute-form target ("/" for "*" or one without a path). */
function pathOf(target: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([/?][^#]*)?/.exec(target);
  if (m === null) return "/";
  const rest = m[1] ?? "/";
  return rest.charCodeAt(0) === 63 /* "?" */ ? `/${rest}` : rest;
}

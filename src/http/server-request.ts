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
import { Readable } from "node:stream";
import { delegate, type Lazy, lazySupported } from "./lazy.js";

/** What the lazy request needs from its exchange: its task's signal. */
export interface SignalSource {
  readonly signal: AbortSignal;
}

const NO_BODY = 0;
const BODY_UNREAD = 1;
const BODY_TAKEN = 2; // read by corio's text()/json()/bytes(), or handed to the real Request

/** @internal The lazy request; exported for the body helpers' fast path. */
export class ServerRequest implements Lazy {
  readonly #msg: IncomingMessage;
  readonly #url: string;
  readonly #source: SignalSource;
  #headers: Headers | null = null;
  #real: Request | null = null;
  #body: number;

  /** `origin`: the server's own "http://host:port", for requests without a usable Host. */
  constructor(msg: IncomingMessage, origin: string, source: SignalSource) {
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
        if (host === undefined && name.toLowerCase() === "host") host = raw[i + 1];
      } else if (n === 14) {
        if (raw[i + 1] !== "0" && name.toLowerCase() === "content-length") body = BODY_UNREAD;
      } else if (n === 17) {
        if (name.toLowerCase() === "transfer-encoding") body = BODY_UNREAD;
      }
    }
    this.#body = body;
    this.#url = requestUrl(msg.url as string, host, origin);
  }

  get method(): string {
    return this.#msg.method as string;
  }

  get url(): string {
    return this.#url;
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
      throw new TypeError("Body is unusable: the request body has already been read");
    }
    if (this.#body === NO_BODY) return null;
    this.#body = BODY_TAKEN;
    return this.#msg;
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
          ? (Readable.toWeb(this.#msg) as ReadableStream<Uint8Array>)
          : new ReadableStream({ start: (c) => c.close() });
    }
    real = new Request(this.#url, init);
    // Read through corio already: the real body must report itself used.
    if (this.#body === BODY_TAKEN && real.body !== null) real.arrayBuffer().catch(() => {});
    this.#body = BODY_TAKEN;
    this.#real = real;
    this.#headers = null;
    return real;
  }
}

delegate(ServerRequest, Request, new Request("http://localhost/"));

// A Host header we can put in a URL as is: a name or IPv4, or a bracketed IPv6, and a port.
const HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The request's absolute URL: from its Host header, else the server's own address. */
function requestUrl(target: string, host: string | undefined, origin: string): string {
  if (target.charCodeAt(0) !== 47 /* "/" */) {
    // absolute-form (a proxy request) or "*" (OPTIONS *)
    if (/^https?:\/\//i.test(target)) return target;
    return `${origin}/`;
  }
  return host !== undefined && HOST.test(host) ? `http://${host}${target}` : origin + target;
}

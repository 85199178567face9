/**
 * Writing a web `Response` to Node's `ServerResponse`.
 *
 * Two paths. The fast one: a body given as a string or bytes (the common
 * `new Response("hello")`) is written in one `writeHead` + `end` call with a
 * `Content-Length`, from the source undici keeps beside the body stream: the
 * stream itself is never read, which on Node 20 would cost several promise
 * turns per response. The general one: any other body (a `ReadableStream`, a
 * Blob, a `fetch` response's body) is piped chunk by chunk, waiting for
 * `drain` when the socket is full (backpressure), and the stream is cancelled
 * if piping stops early (the client went away, or the task was cancelled).
 */
import type { ServerResponse } from "node:http";
import { call } from "../core/call.js";
import type { Coroutine } from "../core/future.js";
import { waitOutside } from "./outside.js";
import { LazyResponse, rawHeadersOf, TEXT } from "./response.js";

// undici's internal state key on a Response (found, not hard-coded, so a Node
// whose undici hides it simply takes the general path).
const stateKey = Object.getOwnPropertySymbols(new Response(null)).find(
  (k) => k.description === "state",
);

interface BodyState {
  source: unknown;
  stream: ReadableStream<Uint8Array> | null;
}

/** The body as undici stores it: `null` when there is none, `undefined` if unknown. */
function bodyState(response: Response): BodyState | null | undefined {
  if (stateKey === undefined) return undefined;
  const state = (response as unknown as Record<symbol, { body?: BodyState | null } | undefined>)[
    stateKey
  ];
  return state === undefined ? undefined : (state.body ?? null);
}

function writeHead(res: ServerResponse, response: Response, raw: string[]): void {
  const text = response.statusText;
  if (text === "") res.writeHead(response.status, raw);
  else res.writeHead(response.status, text, raw);
}

/**
 * Sends `response` at once if its body is absent, a string or bytes; returns
 * false (having written nothing) if it must be streamed with `sendStream`.
 * `closing`: ask the client to close the connection afterwards (shutdown).
 */
export function sendFast(res: ServerResponse, response: Response, closing: boolean): boolean {
  let source: unknown;
  if (response instanceof LazyResponse) {
    source = response._source;
    if (response._noHeaders && res.req.method !== "HEAD") {
      // What a plain node:http handler does, and as cheap: Node adds the
      // Content-Length itself (no header for it to validate and parse back).
      // (Not for HEAD: Node then drops the body before measuring it, and the
      // answer should carry the length a GET would get.)
      res.statusCode = response.status;
      const text = response.statusText;
      if (text !== "") res.statusMessage = text;
      if (typeof source === "string") res.setHeader("content-type", TEXT);
      if (closing) res.setHeader("connection", "close");
      res.end(source);
      return true;
    }
  } else {
    const body = bodyState(response);
    if (body === undefined) {
      if (response.body !== null) return false;
    } else if (body !== null) {
      source = body.source;
      // (Not checking `bodyUsed`: undici's check costs more than the rest of
      // this path, and the source is what the body was made from either way.)
      if (typeof source !== "string" && !(source instanceof Uint8Array)) return false;
    }
  }
  const raw: string[] = [];
  const hasLength = rawHeadersOf(response, raw);
  if (closing) raw.push("connection", "close");
  if (source === undefined) {
    writeHead(res, response, raw);
    res.end();
    return true;
  }
  if (!hasLength) {
    const length =
      typeof source === "string" ? Buffer.byteLength(source) : (source as Uint8Array).byteLength;
    raw.push("content-length", String(length));
  }
  writeHead(res, response, raw);
  res.end(source);
  return true;
}

/**
 * Pipes a streamed body with backpressure: one chunk read, one written; when
 * `write` reports a full socket, waits for `drain` before reading on.
 *
 * Cancellation: stops between chunks; the body stream is cancelled (its
 * source's `cancel()` runs) and the caller resets the connection.
 * Throws: the stream's error (the caller resets the connection).
 */
export function* sendStream(
  res: ServerResponse,
  response: Response,
  closing: boolean,
): Coroutine<void> {
  const body = response.body as ReadableStream<Uint8Array>;
  if (response.bodyUsed) throw new TypeError("the Response's body has already been read");
  const reader = body.getReader();
  let raw: string[] = [];
  rawHeadersOf(response, raw);
  if (response.type !== "default") raw = decodedHeaders(raw);
  if (closing) raw.push("connection", "close");
  writeHead(res, response, raw);
  res.flushHeaders(); // headers now: a stream's first chunk may be a while (server-sent events)
  let finished = false;
  try {
    for (;;) {
      const r = yield* call(reader.read());
      if (r.done) break;
      const chunk = r.value as Uint8Array | string;
      if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
        throw new TypeError("a Response body stream must produce Uint8Array (or string) chunks");
      }
      if (res.destroyed) return; // the client is gone; our task is being cancelled
      if (!res.write(chunk)) yield* drained(res);
    }
    res.end();
    finished = true;
  } finally {
    if (!finished) reader.cancel(new Error("the response was not sent to the end")).catch(noop);
  }
}

function noop(): void {}

/**
 * A response that came from `fetch` (its `type` is not "default") has a body
 * that undici already decompressed, but still the upstream's
 * `content-encoding` and `content-length`: passed on as they are, the client
 * would try to decompress plain bytes, or wait for a length that never comes.
 * Drop both; the body goes out chunked.
 */
function decodedHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name === "content-encoding" || name === "content-length") continue;
    out.push(name, raw[i + 1] as string);
  }
  return out;
}

/** Ready when `res` can take more bytes (or is closed). */
function drained(res: ServerResponse) {
  return waitOutside<void>("write response (socket full)", (settle) => {
    const done = (): void => settle(null);
    res.on("drain", done);
    res.on("close", done);
    return () => {
      res.off("drain", done);
      res.off("close", done);
    };
  });
}

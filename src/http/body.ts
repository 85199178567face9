/**
 * Reading a body from a coroutine: `yield* text(res)`, `json(res)`, `bytes(res)`
 * for a `Response` from `fetch` or the `Request` a handler receives — what
 * reqwest's `res.text().await` and aiohttp's `await resp.text()` are, but
 * cancellable: `Body.text()` returns a Promise that nothing can stop.
 *
 * A handler's request is read straight from Node's stream (no web stream in
 * between); anything else through a reader on `body`, one chunk per wait.
 */
import type { IncomingMessage } from "node:http";
import { call } from "../core/call.js";
import type { Coroutine, Future } from "../core/future.js";
import { waitOutside } from "./outside.js";
import { ServerRequest } from "./server-request.js";

/** A `Request` or a `Response`: anything with a web body. */
export type HasBody = Request | Response;

const decoder = new TextDecoder();

/**
 * Reads the whole body as bytes.
 *
 * Cancellation: reading stops and the body is cancelled (for a `fetch`
 * response the connection is released); what was read is lost and the body
 * cannot be read again.
 * Throws: `TypeError` if the body was already read; the stream's error if the
 * peer goes away mid-body; for a handler's request, `BodyTooLargeError` once
 * the body passes serve's `maxBodyBytes` (nothing more is read; left uncaught,
 * the client gets 413).
 *
 * @example
 * const res = yield* fetch(url);
 * const data = yield* bytes(res);
 */
export function* bytes(message: HasBody): Coroutine<Uint8Array> {
  if (message instanceof ServerRequest && message._fast) {
    const msg = message._takeNodeBody();
    return msg === null ? new Uint8Array(0) : yield* readNode(msg, message);
  }
  if (message.bodyUsed) {
    throw new TypeError(
      "Body is unusable: the body has already been read; read it once and keep the result (or clone() before the first read)",
    );
  }
  const body = message.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let finished = false;
  try {
    for (;;) {
      const r = yield* call(reader.read());
      if (r.done) break;
      chunks.push(r.value);
      size += r.value.byteLength;
    }
    finished = true;
  } finally {
    // Cancelled or failed: give the stream (and its connection) back.
    if (!finished) reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, size);
}

/**
 * Reads the whole body and decodes it as UTF-8 (as `Body.text()` does).
 *
 * Cancellation and throws: as `bytes`.
 *
 * @example
 * const page = yield* text(yield* fetch(url));
 */
export function* text(message: HasBody): Coroutine<string> {
  return decoder.decode(yield* bytes(message));
}

/**
 * Reads the whole body and parses it as JSON.
 *
 * Cancellation: as `bytes`.
 * Throws: as `bytes`, and `SyntaxError` if the body is not JSON.
 *
 * @example
 * const { name } = (yield* json(request)) as { name: string };
 */
export function* json(message: HasBody): Coroutine<unknown> {
  return JSON.parse(yield* text(message));
}

/**
 * Collects a Node request body, up to the server's `maxBodyBytes`; a drop, or
 * a body past the limit, stops listening (the rest is discarded by Node).
 */
function readNode(msg: IncomingMessage, request: ServerRequest): Future<Uint8Array> {
  const limit = request._bodyLimit;
  return waitOutside<Uint8Array>("read request body", (settle) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        settle(request._tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void =>
      settle(null, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    const onError = (error: Error): void => settle(error);
    const onClose = (): void => {
      if (!msg.complete) settle(abortedError());
    };
    msg.on("data", onData);
    msg.on("end", onEnd);
    msg.on("error", onError);
    msg.on("close", onClose);
    if (msg.readableEnded) onEnd();
    return () => {
      msg.off("data", onData);
      msg.off("end", onEnd);
      msg.off("error", onError);
      msg.off("close", onClose);
      msg.pause();
    };
  });
}

function abortedError(): Error {
  return Object.assign(
    new Error("the client closed the connection before sending the whole body"),
    {
      code: "ECONNRESET",
    },
  );
}

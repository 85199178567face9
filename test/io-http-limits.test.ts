/**
 * serve's limits against real clients over loopback: body size (declared, chunked, streamed,
 * Expect: 100-continue), slowloris headers, slow bodies, idle keep-alive, header size, connection
 * count; the absolute-form request target; bad options. Timeouts are set small and each test waits
 * for the server to close the socket (a condition), never for a wall-clock threshold.
 */
import { connect as netConnect, type Socket } from "node:net";
import { type Coroutine, call, run } from "corio";
import { BodyTooLargeError, bytes, json, response, serve, text } from "corio/http";
import { listen } from "corio/net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { curl, serving, settleHandles, tcpHandles } from "./io-http-helpers.js";

let handlesBefore = 0;
beforeEach(() => {
  handlesBefore = tcpHandles();
});
afterEach(async () => {
  expect(await settleHandles(handlesBefore)).toBeLessThanOrEqual(handlesBefore);
});

const portOf = (base: string): number => Number(new URL(base).port);

interface Raw {
  socket: Socket;
  /** Everything the server sent, once it closed the connection (or reset it). */
  closed: Promise<string>;
  /** Resolves once the server has sent something. */
  answered: Promise<string>;
}

/** A raw TCP client: write what a test wants, see what the server sends and when it closes. */
function raw(port: number, first?: string): Raw {
  const socket = netConnect({ host: "127.0.0.1", port });
  socket.on("error", () => {}); // a reset after the server's answer is expected here
  if (first !== undefined) socket.write(first);
  let text = "";
  let onData: (s: string) => void = () => {};
  const answered = new Promise<string>((resolve) => {
    onData = () => resolve(text);
  });
  socket.setEncoding("latin1").on("data", (s: string) => {
    text += s;
    onData(s);
  });
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(text)));
  return { socket, closed, answered };
}

/** Writes `piece` every `ms` until the socket closes: a client that never finishes. */
function dribble(socket: Socket, piece: string | (() => string), ms: number): void {
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) return clearInterval(timer);
    socket.write(typeof piece === "string" ? piece : piece());
  }, ms);
  socket.on("close", () => clearInterval(timer));
}

const status = (answer: string): number => Number(answer.split(" ")[1]);

describe("maxBodyBytes", () => {
  it("answers a declared length over the limit with 413 before reading it; the handler never runs", async () => {
    let handled = 0;
    const got = await serving(
      function* (req) {
        handled++;
        return response(`${(yield* bytes(req)).byteLength}`);
      },
      async (base) => {
        // Headers only: the server must answer without waiting for the 2 MB it announced.
        const r = raw(
          portOf(base),
          "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n",
        );
        const refused = await r.closed;
        const exact = await curl(["--data-binary", "@-", base], Buffer.alloc(1024 * 1024, 1));
        const over = await curl(["--data-binary", "@-", base], Buffer.alloc(1024 * 1024 + 1, 1));
        // Expect: 100-continue: refused before the body is sent at all.
        const expect100 = await curl(
          ["-H", "Expect: 100-continue", "--data-binary", "@-", base],
          Buffer.alloc(5 * 1024 * 1024, 1),
        );
        return { refused, exact, over, expect100 };
      },
    );
    expect(status(got.refused)).toBe(413);
    expect(got.refused).toMatch(/connection: close/i);
    expect(got.exact.status).toBe(200); // the default limit is 1 MiB, inclusive
    expect(got.exact.body).toBe(String(1024 * 1024));
    expect(got.over.status).toBe(413);
    expect(got.expect100.status).toBe(413);
    expect(handled).toBe(1);
  });

  it("a chunked body that grows past the limit is answered 413 and the connection closed", async () => {
    const seen: string[] = [];
    const reported: unknown[] = [];
    const answer = await serving(
      function* (req) {
        try {
          yield* text(req);
        } catch (error) {
          seen.push((error as Error).name);
          throw error;
        }
        return response("read it all");
      },
      async (base) => {
        const r = raw(
          portOf(base),
          "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        // 1 KiB chunks for ever: only the server closing the connection ends this.
        dribble(r.socket, `400\r\n${"x".repeat(1024)}\r\n`, 1);
        return r.closed;
      },
      { maxBodyBytes: 16 * 1024, onError: (e) => reported.push(e) },
    );
    expect(status(answer)).toBe(413);
    expect(answer).toMatch(/over 16384 bytes/);
    expect(seen).toEqual(["BodyTooLargeError"]);
    expect(reported).toEqual([]); // the client's fault, not the handler's
  });

  it("json(), req.text() and req.body honour it; a handler may answer the error itself", async () => {
    const answers = await serving(
      function* (req): Coroutine<Response> {
        const { pathname } = new URL(req.url);
        if (pathname === "/json") return Response.json(yield* json(req));
        if (pathname === "/own") {
          try {
            yield* bytes(req);
          } catch (error) {
            if (!(error instanceof BodyTooLargeError)) throw error;
            return response(`too big: over ${error.limit}`, { status: 400 });
          }
        }
        if (pathname === "/stream") {
          // The real Request's stream (not corio's fast path).
          const reader = (req.body as ReadableStream<Uint8Array>).getReader();
          let n = 0;
          for (let r = yield* call(reader.read()); !r.done; r = yield* call(reader.read())) {
            n += r.value.byteLength;
          }
          return response(`${n}`);
        }
        return response(yield* call(req.text()));
      },
      async (base) => {
        const big = JSON.stringify({ pad: "y".repeat(5000) });
        const chunked = ["-H", "transfer-encoding: chunked", "--data-binary", "@-"];
        return {
          json: await curl([...chunked, `${base}/json`], big),
          jsonSmall: await curl([...chunked, `${base}/json`], '{"a":1}'),
          own: await curl([...chunked, `${base}/own`], big),
          promise: await curl([...chunked, `${base}/promise`], big),
          stream: await curl([...chunked, `${base}/stream`], big),
          streamSmall: await curl([...chunked, `${base}/stream`], "12345"),
        };
      },
      { maxBodyBytes: 1000 },
    );
    expect(answers.json.status).toBe(413);
    expect(answers.jsonSmall.body).toBe('{"a":1}');
    expect(answers.own.status).toBe(400);
    expect(answers.own.body).toBe("too big: over 1000");
    expect(answers.own.headers.get("connection")).toBe("close"); // the rest was never read
    expect(answers.promise.status).toBe(413);
    expect(answers.stream.status).toBe(413);
    expect(answers.streamSmall.body).toBe("5");
  });

  it("a body read twice names the fix", async () => {
    const message = await serving(
      function* (req) {
        yield* text(req);
        try {
          yield* text(req);
        } catch (error) {
          return response((error as Error).message);
        }
        return response("read twice?");
      },
      async (base) => (await curl(["-d", "x", base])).body,
    );
    expect(message).toMatch(/already been read; read it once and keep the result/);
  });
});

describe("timeouts and connection limits", () => {
  it("closes a slowloris connection (headers a byte at a time) with 408", async () => {
    let handled = 0;
    const answer = await serving(
      function* () {
        handled++;
        return response("hi");
      },
      async (base) => {
        const r = raw(portOf(base), "GET / HTTP/1.1\r\nHost: a\r\n");
        let i = 0;
        dribble(r.socket, () => `X-${i++}: y\r\n`, 10); // never the blank line
        const silent = raw(portOf(base)); // connects and sends nothing
        return { dribbled: await r.closed, silent: await silent.closed };
      },
      { headersTimeoutMs: 150, requestTimeoutMs: 150 },
    );
    expect(status(answer.dribbled)).toBe(408);
    expect(status(answer.silent)).toBe(408); // sent nothing at all: cut off the same way
    expect(handled).toBe(0);
  });

  it("closes a request whose body never finishes with 408; the handler is cancelled", async () => {
    let cleanedUp = false;
    const answer = await serving(
      function* (req) {
        try {
          return response(yield* text(req));
        } finally {
          cleanedUp = true;
        }
      },
      async (base) => {
        const r = raw(portOf(base), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n");
        dribble(r.socket, "z", 10);
        return r.closed;
      },
      { headersTimeoutMs: 100, requestTimeoutMs: 200 },
    );
    expect(status(answer)).toBe(408);
    expect(cleanedUp).toBe(true);
  });

  it("closes an idle keep-alive connection after keepAliveTimeoutMs", async () => {
    const answer = await serving(
      function* () {
        return response("once");
      },
      // One request, then nothing: only the server can end this.
      async (base) => raw(portOf(base), "GET / HTTP/1.1\r\nHost: a\r\n\r\n").closed,
      { keepAliveTimeoutMs: 50 },
    );
    expect(status(answer)).toBe(200);
    expect(answer).toMatch(/keep-alive/i);
    expect(answer.endsWith("once")).toBe(true);
  });

  it("answers an oversized header block with 431", async () => {
    const got = await serving(
      function* () {
        return response("ok");
      },
      async (base) => ({
        big: await curl(["-H", `x-big: ${"a".repeat(20_000)}`, base]), // over the 16 KiB default
        small: await curl(["-H", `x-big: ${"a".repeat(1000)}`, base]),
        custom: await curl(["-H", `x-big: ${"a".repeat(3000)}`, `${base}`]),
      }),
    );
    expect(got.big.status).toBe(431);
    expect(got.small.status).toBe(200);
    expect(got.custom.status).toBe(200);
    const tight = await serving(
      function* () {
        return response("ok");
      },
      (base) => curl(["-H", `x-big: ${"a".repeat(3000)}`, base]),
      { maxHeaderBytes: 2048 },
    );
    expect(tight.status).toBe(431);
  });

  it("closes connections beyond maxConnections at once; a freed slot is reused", async () => {
    const got = await serving(
      function* () {
        return response("served");
      },
      async (base) => {
        const port = portOf(base);
        const first = raw(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        const firstAnswer = await first.answered; // accepted and served: it holds the one slot
        const second = await raw(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n").closed;
        first.socket.end();
        await first.closed;
        // The server frees the slot once it has seen the close: retry until it has.
        let third = "";
        for (let i = 0; i < 200 && third === ""; i++) {
          third = await raw(port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").closed;
        }
        return { firstAnswer, second, third };
      },
      { maxConnections: 1 },
    );
    expect(status(got.firstAnswer)).toBe(200);
    expect(got.second).toBe(""); // dropped without an answer
    expect(status(got.third)).toBe(200);
  });
});

describe("request targets", () => {
  it("an absolute-form target takes its path only: the origin comes from Host", async () => {
    const answers = await serving(
      function* (req) {
        return response(req.url);
      },
      async (base) => {
        const port = portOf(base);
        const body = (a: string) => a.slice(a.indexOf("\r\n\r\n") + 4);
        return {
          absolute: body(
            await raw(
              port,
              "GET http://other.example/x?y=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            ).closed,
          ),
          noPath: body(
            await raw(
              port,
              "GET http://other.example HTTP/1.1\r\nHost: a:81\r\nConnection: close\r\n\r\n",
            ).closed,
          ),
          star: body(
            await raw(port, "OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").closed,
          ),
        };
      },
    );
    expect(answers).toEqual({
      absolute: "http://a/x?y=1",
      noPath: "http://a:81/",
      star: "http://a/",
    });
  });
});

describe("bad options", () => {
  const handler = function* () {
    return response("");
  };
  it("names the option and the rule", async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ maxBodyBytes: -1 }, /options\.maxBodyBytes must be a positive number.*got -1/],
      [{ maxBodyBytes: Number.NaN }, /options\.maxBodyBytes must be a number, got NaN/],
      [{ maxBodyBytes: "1mb" }, /options\.maxBodyBytes must be a number, got "1mb"/],
      [{ maxBodyBytes: 1.5 }, /options\.maxBodyBytes must be a whole number of bytes/],
      [{ headersTimeoutMs: 0 }, /options\.headersTimeoutMs must be a positive number/],
      [{ requestTimeoutMs: -5 }, /options\.requestTimeoutMs must be a positive number/],
      [{ keepAliveTimeoutMs: null }, /options\.keepAliveTimeoutMs must be a number, got null/],
      [{ maxHeaderBytes: Number.POSITIVE_INFINITY }, /options\.maxHeaderBytes must be a positive/],
      [{ maxConnections: 0 }, /options\.maxConnections must be a positive number/],
      [
        { headersTimeoutMs: 5000, requestTimeoutMs: 1000 },
        /headersTimeoutMs \(5000\) must not exceed options\.requestTimeoutMs \(1000\)/,
      ],
      [{ tls: { cert: "x" } }, /serve\(\): tls\.key is missing/],
      [{ tls: {} }, /tls\.key is missing/],
      [{ listener: { address: { port: 1 } } }, /options\.listener must be a TcpListener/],
    ];
    for (const [options, message] of bad) {
      expect(() => serve(options as never, handler), JSON.stringify(options)).toThrow(message);
    }
    // Infinity turns a limit off.
    expect(() =>
      serve(
        { maxBodyBytes: Infinity, requestTimeoutMs: Infinity, maxConnections: Infinity },
        handler,
      ),
    ).not.toThrow();
  });

  it("a listener with host/port, or with tls, is refused at the call", async () => {
    const messages = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const out: string[] = [];
      for (const options of [
        { listener, port: 80 },
        { listener, tls: { key: "k", cert: "c" } },
      ]) {
        try {
          serve(options, handler);
        } catch (error) {
          out.push((error as Error).message);
        }
      }
      return out;
    });
    expect(messages[0]).toMatch(/either options\.listener or options\.host\/port, not both/);
    expect(messages[1]).toMatch(/TLS belongs to the listener: listen\(\{ \.\.\., tls/);
  });
});

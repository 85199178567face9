/**
 * corio/http: cancelling a server. It stops accepting at once; requests in
 * flight get `shutdownTimeout` ms (default 0) to finish, then are cancelled;
 * `serve` ends only when every request task and connection is gone.
 */
import { connect } from "node:net";
import { type Coroutine, call, run, sleep, spawn } from "corio";
import { type Handler, response, type ServeOptions, serve } from "corio/http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type CurlResult,
  curl,
  delay,
  settleHandles,
  signal,
  tcpHandles,
} from "./io-http-helpers.js";

let handlesBefore = 0;
beforeEach(() => {
  handlesBefore = tcpHandles();
});
afterEach(async () => {
  expect(await settleHandles(handlesBefore)).toBeLessThanOrEqual(handlesBefore);
});

/**
 * Starts a server; `scenario(port)` runs as plain async code and returns once
 * it has set up the requests it wants in flight; then the server is cancelled
 * and joined. Returns the scenario's value and the log of events.
 */
async function shutdownWith<T>(
  options: ServeOptions,
  handler: (log: (event: string) => void) => Handler,
  scenario: (port: number, log: (event: string) => void) => Promise<T>,
): Promise<{ value: T; events: string[] }> {
  const events: string[] = [];
  const log = (event: string): void => {
    events.push(event);
  };
  const value = await run(function* (): Coroutine<T> {
    const listening = signal<number>();
    const server = spawn(
      serve({ ...options, onListen: ({ port }) => listening.resolve(port) }, handler(log)),
    );
    const port = yield* call(listening.promise);
    const value = yield* call(scenario(port, log));
    log("cancel server");
    server.cancel();
    try {
      yield* server;
    } catch (error) {
      log(`server ended: ${(error as Error).name}`);
    }
    return value;
  });
  return { value, events };
}

describe("shutdown, default (shutdownTimeout 0): cancel requests in flight at once", () => {
  it("cancels handlers (finally runs), answers 503, cuts streams, refuses new clients", async () => {
    const entered = { n: 0, all: signal() };
    let base = "";
    const { value, events } = await shutdownWith(
      {},
      (log) =>
        function* (req) {
          const path = new URL(req.url).pathname;
          if (++entered.n === 3) entered.all.resolve();
          if (path === "/stream") {
            return new Response(
              new ReadableStream({
                async pull(controller) {
                  await delay(10);
                  controller.enqueue(new TextEncoder().encode("tick\n"));
                },
                cancel() {
                  log("stream cancelled");
                },
              }),
            );
          }
          try {
            yield* sleep(60_000);
            return response("finished");
          } finally {
            log(`finally ${path}`);
          }
        },
      async (port, log) => {
        base = `http://127.0.0.1:${port}`;
        const clients = ["/a", "/b"].map((p) =>
          curl([`${base}${p}`]).then((r) => {
            log(`client ${p} got ${r.status}`);
            return r;
          }),
        );
        const stream = curl(["-N", `${base}/stream`]);
        await entered.all.promise;
        await delay(50); // some ticks of the stream went out
        return { clients, stream };
      },
    );
    const [a, b] = (await Promise.all(value.clients)) as [CurlResult, CurlResult];
    expect(a.status).toBe(503);
    expect(a.headers.get("connection")).toBe("close");
    expect(b.status).toBe(503);
    const stream = await value.stream;
    expect(stream.status).toBe(200);
    expect(stream.body).toContain("tick\n");
    expect(stream.code).not.toBe(0); // cut, not ended as if complete
    // Every cleanup ran before serve() ended.
    const ended = events.indexOf("server ended: CancelledError");
    expect(ended).toBeGreaterThan(0);
    for (const e of ["finally /a", "finally /b", "stream cancelled"]) {
      expect(events.indexOf(e), e).toBeGreaterThan(events.indexOf("cancel server"));
      expect(events.indexOf(e), e).toBeLessThan(ended);
    }
    // Nothing listens any more.
    expect((await curl([`${base}/`])).code).toBe(7); // curl: could not connect
  });

  it("waits for a handler's asynchronous cleanup before serve() ends", async () => {
    const inside = signal();
    const { events } = await shutdownWith(
      {},
      (log) =>
        function* () {
          try {
            inside.resolve();
            yield* sleep(60_000);
            return response("never");
          } finally {
            log("cleanup started");
            yield* sleep(30); // asynchronous cleanup
            log("cleanup finished");
          }
        },
      async (port) => {
        void curl([`http://127.0.0.1:${port}/`]);
        await inside.promise;
      },
    );
    expect(events).toEqual([
      "cancel server",
      "cleanup started",
      "cleanup finished",
      "server ended: CancelledError",
    ]);
  });

  it("closes idle keep-alive connections", async () => {
    const { value } = await shutdownWith(
      {},
      () =>
        function* () {
          return response("hi");
        },
      async (port) => {
        const socket = connect(port, "127.0.0.1");
        const closed = new Promise<void>((r) => socket.once("close", () => r()));
        socket.on("error", () => {});
        let data = "";
        socket.on("data", (b) => {
          data += b.toString();
        });
        socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        while (!data.includes("hi")) await delay(5);
        return { closed, socket };
      },
    );
    // The connection was idle, kept alive: the shutdown closed it.
    await value.closed;
    expect(value.socket.destroyed).toBe(true);
  });
});

describe("graceful shutdown with a deadline (shutdownTimeout)", () => {
  it("lets requests in flight finish, with Connection: close, and refuses new ones", async () => {
    const inside = signal();
    const { value, events } = await shutdownWith(
      { shutdownTimeout: 10_000 },
      (log) =>
        function* () {
          inside.resolve();
          yield* sleep(200);
          log("handler done");
          return response("finished in time");
        },
      async (port, log) => {
        const client = curl([`http://127.0.0.1:${port}/`]).then((r) => {
          log("client answered");
          return r;
        });
        await inside.promise;
        // Once the cancel landed, new connections are refused while the request drains.
        const refused = (async () => {
          await delay(50);
          return curl([`http://127.0.0.1:${port}/`]);
        })();
        return { client, refused };
      },
    );
    const r = await value.client;
    expect(r.status).toBe(200);
    expect(r.body).toBe("finished in time");
    expect(r.headers.get("connection")).toBe("close");
    expect((await value.refused).code).toBe(7);
    // serve() ended after the request finished, well before the deadline mattered.
    expect(events.indexOf("handler done")).toBeLessThan(
      events.indexOf("server ended: CancelledError"),
    );
  });

  it("cancels the requests still running at the deadline", async () => {
    const inside = signal();
    const { value, events } = await shutdownWith(
      { shutdownTimeout: 300 },
      (log) =>
        function* () {
          inside.resolve();
          try {
            yield* sleep(60_000);
            return response("never");
          } finally {
            log("cancelled at the deadline");
          }
        },
      async (port) => {
        const client = curl([`http://127.0.0.1:${port}/`]);
        await inside.promise;
        return { client }; // (not the promise itself: an async function would wait for it)
      },
    );
    expect((await value.client).status).toBe(503);
    expect(events).toEqual([
      "cancel server",
      "cancelled at the deadline",
      "server ended: CancelledError",
    ]);
  });
});

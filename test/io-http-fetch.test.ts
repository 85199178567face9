/**
 * corio/http `fetch` and the body readers, against a corio server over
 * loopback: results, errors, and cancellation that the server can see.
 */
import { createServer } from "node:net";
import { gzipSync } from "node:zlib";
import { type Coroutine, call, run, spawn, TimeoutError, timeout } from "corio";
import { bytes, fetch, json, response, serve, text } from "corio/http";
import type { Context } from "corio/lowlevel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { curl, delay, serving, settleHandles, signal, tcpHandles } from "./io-http-helpers.js";

let handlesBefore = 0;
beforeEach(() => {
  handlesBefore = tcpHandles();
});
afterEach(async () => {
  expect(await settleHandles(handlesBefore)).toBeLessThanOrEqual(handlesBefore);
});

/** A slow, endless body; `cancelled` resolves when the server side stream is cancelled. */
function endless(cancelled: { resolve: (v: unknown) => void }): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      await delay(10);
      controller.enqueue(new TextEncoder().encode("more\n"));
    },
    cancel(reason) {
      cancelled.resolve(reason);
    },
  });
}

describe("fetch", () => {
  it("fetches, and reads bodies with text(), json() and bytes()", async () => {
    await serving(
      function* (req): Coroutine<Response> {
        const { pathname } = new URL(req.url);
        if (pathname === "/json") return Response.json({ echo: yield* json(req) });
        if (pathname === "/bytes") return response(new Uint8Array([0, 1, 2, 255]));
        return response(`hello ${req.method}`, { headers: { "x-served-by": "corio" } });
      },
      (base) =>
        run(function* () {
          const res = yield* fetch(`${base}/`);
          expect(res.status).toBe(200);
          expect(res.headers.get("x-served-by")).toBe("corio");
          expect(yield* text(res)).toBe("hello GET");
          const posted = yield* fetch(new URL(`${base}/json`), {
            method: "POST",
            body: JSON.stringify({ n: 1 }),
            headers: { "content-type": "application/json" },
          });
          expect(yield* json(posted)).toEqual({ echo: { n: 1 } });
          expect([...(yield* bytes(yield* fetch(`${base}/bytes`)))]).toEqual([0, 1, 2, 255]);
          // A body can be read once.
          const once = yield* fetch(`${base}/`);
          yield* text(once);
          expect(() => text(once).next()).toThrow(/already been read/);
          // An HTTP error status is an answer, not an exception.
          const missing = yield* fetch(new Request(`${base}/x`, { method: "DELETE" }));
          expect(yield* text(missing)).toBe("hello DELETE");
        }),
    );
  });

  it("is lazy: nothing is sent until the future is awaited", async () => {
    let requests = 0;
    await serving(
      function* () {
        requests++;
        return response("ok");
      },
      (base) =>
        run(function* () {
          const f = fetch(`${base}/`);
          yield* call(delay(50));
          expect(requests).toBe(0);
          yield* text(yield* f);
          expect(requests).toBe(1);
        }),
    );
  });

  it("cancelled mid-request aborts it: the server sees its client go away", async () => {
    const handlerCancelled = signal<boolean>();
    const outcome = await serving(
      function* (req) {
        try {
          yield* call(new Promise(() => {})); // never answers
          return response("never");
        } finally {
          handlerCancelled.resolve(req.signal.aborted);
        }
      },
      (base) =>
        run(function* () {
          try {
            yield* timeout(200, fetch(`${base}/hang`));
            return "answered";
          } catch (error) {
            return (error as Error).name;
          }
        }).then(async (name) => ({
          name,
          serverSaw: await Promise.race([handlerCancelled.promise, delay(5000).then(() => null)]),
        })),
    );
    expect(outcome).toEqual({ name: "TimeoutError", serverSaw: true });
  });

  it("cancelling a body read releases the connection: the server's stream is cancelled", async () => {
    const cancelled = signal<unknown>();
    const outcome = await serving(
      function* () {
        return new Response(endless(cancelled));
      },
      (base) =>
        run(function* () {
          const res = yield* fetch(`${base}/stream`);
          try {
            yield* timeout(150, text(res));
          } catch (error) {
            if (!(error instanceof TimeoutError)) throw error;
          }
          return yield* call(
            Promise.race([cancelled.promise.then(() => "cancelled"), delay(5000)]),
          );
        }),
    );
    expect(outcome).toBe("cancelled");
  });

  it("a response that arrived but was never taken is aborted when the future is dropped", async () => {
    const cancelled = signal<unknown>();
    const outcome = await serving(
      function* () {
        return new Response(endless(cancelled));
      },
      async (base) => {
        // Drive the future by hand: poll once, wait for the wake (the response
        // arrived), then drop it without polling again, as a cancel between
        // the wake and the task's next step would.
        const future = fetch(`${base}/`);
        const woken = signal();
        const cx: Context = { waker: { wake: () => woken.resolve() } };
        future.poll(cx);
        await woken.promise;
        future.cancel?.();
        return Promise.race([cancelled.promise.then(() => "cancelled"), delay(5000)]);
      },
    );
    expect(outcome).toBe("cancelled");
  });

  it("init.signal aborts it too", async () => {
    const name = await serving(
      function* () {
        yield* call(new Promise(() => {}));
        return response("never");
      },
      (base) =>
        run(function* () {
          const controller = new AbortController();
          setTimeout(() => controller.abort(new Error("user gave up")), 100);
          try {
            yield* fetch(`${base}/`, { signal: controller.signal });
          } catch (error) {
            return (error as Error).message;
          }
        }),
    );
    expect(name).toBe("user gave up");
  });

  it("reports a refused connection with Node's code, not a hang", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r)); // now nothing listens there
    const error = await run(function* () {
      try {
        yield* fetch(`http://127.0.0.1:${port}/`);
      } catch (error) {
        return error as Error & { cause?: { code?: string } };
      }
    });
    expect(error).toBeInstanceOf(TypeError);
    expect(error?.cause?.code).toBe("ECONNREFUSED");
    expect(() => fetch(42 as never)).toThrow(/input must be/);
  });

  it("a handler can fetch upstream and stream the answer through (a proxy)", async () => {
    const body = await serving(
      function* () {
        return response("from upstream\n".repeat(1000));
      },
      (upstream) =>
        serving(
          function* (req) {
            const res = yield* fetch(`${upstream}${new URL(req.url).pathname}`);
            return new Response(res.body, { status: res.status });
          },
          (proxy) =>
            run(function* () {
              return yield* text(yield* fetch(`${proxy}/via`));
            }),
        ),
    );
    expect(body).toBe("from upstream\n".repeat(1000));
  });

  it("a fetched response returned as it is: decompressed body, headers fixed", async () => {
    const text = "compressible ".repeat(2000);
    const r = await serving(
      function* () {
        return response(gzipSync(text), {
          headers: { "content-encoding": "gzip", "content-type": "text/plain", "x-up": "1" },
        });
      },
      (upstream) =>
        serving(
          function* () {
            return yield* fetch(`${upstream}/`); // undici decompresses it
          },
          (proxy) => curl([`${proxy}/`]),
        ),
    );
    expect(r.status).toBe(200);
    expect(r.headers.get("content-encoding")).toBeUndefined();
    expect(r.headers.get("x-up")).toBe("1");
    expect(r.body).toBe(text);
  });

  it("fetches from inside many tasks at once", async () => {
    const results = await serving(
      function* (req) {
        return response(new URL(req.url).searchParams.get("n") ?? "");
      },
      (base) =>
        run(function* () {
          const tasks = Array.from({ length: 50 }, (_, n) =>
            spawn(function* () {
              return yield* text(yield* fetch(`${base}/?n=${n}`));
            }),
          );
          const out: string[] = [];
          for (const t of tasks) out.push(yield* t);
          return out;
        }),
    );
    expect(results).toEqual(Array.from({ length: 50 }, (_, n) => String(n)));
  });
});

describe("serve and fetch in one runtime", () => {
  it("a server and its client are tasks side by side", async () => {
    const got = await run(function* () {
      const listening = signal<number>();
      const server = spawn(
        serve({ onListen: ({ port }) => listening.resolve(port) }, function* (req) {
          return response(`you asked for ${new URL(req.url).pathname}`);
        }),
      );
      const port = yield* call(listening.promise);
      const answer = yield* text(yield* fetch(`http://127.0.0.1:${port}/this`));
      server.cancel();
      return answer;
    });
    expect(got).toBe("you asked for /this");
  });
});

/**
 * corio/http `serve` against real clients over loopback (curl, Node's fetch):
 * responses, bodies both ways, errors, client disconnects, concurrency.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { networkInterfaces } from "node:os";
import {
  type Coroutine,
  call,
  currentTask,
  Event,
  now,
  Runtime,
  run,
  sleep,
  spawn,
  type Task,
} from "corio";
import { bytes, json, response, serve, text } from "corio/http";
import { runTest } from "corio/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { curl, delay, serving, settleHandles, signal, tcpHandles } from "./io-http-helpers.js";

let handlesBefore = 0;
beforeEach(() => {
  handlesBefore = tcpHandles();
});
afterEach(async () => {
  // Every test leaves no socket or server behind.
  expect(await settleHandles(handlesBefore)).toBeLessThanOrEqual(handlesBefore);
});

/** Whether this Node's undici keeps a Response's state where serve's fast path can read it. */
const undiciStateVisible = Object.getOwnPropertySymbols(new Response(null)).some(
  (k) => k.description === "state",
);

describe("responses to curl", () => {
  it("sends status, headers and body; the request's url is absolute", async () => {
    const r = await serving(
      function* (req) {
        return new Response(`${req.method} ${req.url}`, {
          status: 201,
          statusText: "Made",
          headers: { "x-answer": "42", "set-cookie": "a=1" },
        });
      },
      (base) => curl([`${base}/some/path?q=1`]),
    );
    expect(r.code).toBe(0);
    expect(r.status).toBe(201);
    expect(r.headers.get("x-answer")).toBe("42");
    expect(r.headers.get("set-cookie")).toBe("a=1");
    expect(r.headers.get("content-type")).toBe("text/plain;charset=UTF-8");
    expect(r.body).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/some\/path\?q=1$/);
    if (undiciStateVisible) {
      // Node 20: the body's source is readable beside its stream: sent whole, with a length.
      expect(r.headers.get("content-length")).toBe(String(Buffer.byteLength(r.body)));
    } else {
      // Node 24's undici hides it: the body is streamed (chunked), correct all the same.
      expect(r.headers.get("transfer-encoding")).toBe("chunked");
    }
  });

  it("response() answers like new Response, with bytes, several cookies and no body", async () => {
    await serving(
      function* (req) {
        const { pathname } = new URL(req.url);
        if (pathname === "/bytes") {
          return response(new Uint8Array([104, 105]), {
            headers: [
              ["set-cookie", "a=1"],
              ["set-cookie", "b=2"],
            ],
          });
        }
        if (pathname === "/empty") return new Response(null, { status: 204 });
        return response("héllo", { status: 202, headers: { "Cache-Control": "no-store" } });
      },
      async (base) => {
        const text = await curl([`${base}/`]);
        expect(text.status).toBe(202);
        expect(text.body).toBe("héllo");
        expect(text.headers.get("content-length")).toBe("6");
        expect(text.headers.get("content-type")).toBe("text/plain;charset=UTF-8");
        expect(text.headers.get("cache-control")).toBe("no-store");
        const bin = await curl([`${base}/bytes`]);
        expect(bin.body).toBe("hi");
        expect(bin.headers.get("set-cookie")).toBe("a=1, b=2");
        expect(bin.headers.get("content-type")).toBeUndefined();
        const empty = await curl([`${base}/empty`]);
        expect(empty.status).toBe(204);
        expect(empty.body).toBe("");
      },
    );
  });

  it("a response() without headers is sent like a plain node:http answer: status, reason, type, length", async () => {
    await serving(
      function* (req) {
        const { pathname } = new URL(req.url);
        if (pathname === "/bytes") return response(new Uint8Array([104, 105]));
        if (pathname === "/read") {
          // Headers read (and changed) by the handler still go out.
          const r = response("read");
          r.headers.set("x-touched", "yes");
          return r;
        }
        return response("héllo wörld", { status: 201, statusText: "Made" });
      },
      async (base) => {
        const text = await fetch(`${base}/`);
        expect(text.status).toBe(201);
        expect(text.statusText).toBe("Made");
        expect(text.headers.get("content-type")).toBe("text/plain;charset=UTF-8");
        expect(text.headers.get("content-length")).toBe("13");
        expect(await text.text()).toBe("héllo wörld");
        const bin = await fetch(`${base}/bytes`);
        expect(bin.headers.get("content-type")).toBeNull();
        expect(bin.headers.get("content-length")).toBe("2");
        expect(await bin.text()).toBe("hi");
        const read = await fetch(`${base}/read`);
        expect(read.headers.get("x-touched")).toBe("yes");
        expect(read.headers.get("content-length")).toBe("4");
        expect(await read.text()).toBe("read");
      },
    );
  });

  it("a response() reads like a Response in user code", async () => {
    const r = response("body", { status: 201, headers: { "x-a": "1" } });
    expect(r).toBeInstanceOf(Response);
    expect(r.status).toBe(201);
    expect(r.ok).toBe(true);
    expect(r.headers.get("x-a")).toBe("1");
    expect(r.headers.get("content-type")).toBe("text/plain;charset=UTF-8");
    expect(await r.clone().text()).toBe("body");
    expect(r.bodyUsed).toBe(false);
    expect(await r.text()).toBe("body");
    expect(r.bodyUsed).toBe(true);
    expect(() => response("x", { status: 204 })).toThrow(/cannot have a body/);
  });

  it("answers HEAD with the headers and no body, and keeps the connection alive", async () => {
    let calls = 0;
    const r = await serving(
      function* () {
        calls++;
        return response("twelve bytes");
      },
      (base) => curl(["-I", `${base}/`]),
    );
    expect(r.status).toBe(200);
    expect(r.headers.get("content-length")).toBe("12");
    expect(r.body).toBe("");
    const two = await serving(
      function* (req) {
        return response(new URL(req.url).pathname);
      },
      (base) => curl([`${base}/one`, `${base}/two`, "-w", "[%{num_connects}]"]),
    );
    expect(two.body).toContain("/two[0]"); // the second request reused the connection
    expect(calls).toBe(1);
  });

  it("streams a ReadableStream body as it is produced (chunked)", async () => {
    const r = await serving(
      function* () {
        let i = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            await delay(5);
            if (i++ < 5) controller.enqueue(new TextEncoder().encode(`chunk ${i}\n`));
            else controller.close();
          },
        });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      },
      (base) => curl(["-N", `${base}/`]),
    );
    expect(r.status).toBe(200);
    expect(r.headers.get("transfer-encoding")).toBe("chunked");
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    expect(r.body).toBe("chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n");
  });

  it("pipes a large streamed body with backpressure to a slow reader", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(97);
    let produced = 0;
    const total = 32 * 1024 * 1024;
    const r = await serving(
      function* () {
        return new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (produced >= total) return controller.close();
              produced += chunk.byteLength;
              controller.enqueue(chunk);
            },
          }),
        );
      },
      async (base) => {
        const res = await globalThis.fetch(`${base}/`);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        let received = 0;
        // Read slowly at first: production must stay close to consumption.
        for (let i = 0; i < 5; i++) {
          await delay(30);
          const { value } = await reader.read();
          received += value?.byteLength ?? 0;
        }
        const aheadWhileSlow = produced - received;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          received += value.byteLength;
        }
        return { received, aheadWhileSlow };
      },
    );
    expect(r.received).toBe(total);
    // Socket buffers and the stream's queue hold some; not the whole body.
    expect(r.aheadWhileSlow).toBeLessThan(total / 2);
  });
});

const hasIPv6 = Object.values(networkInterfaces()).some((list) =>
  list?.some((i) => i.internal && i.family === "IPv6"),
);

describe("addresses", () => {
  it.skipIf(!hasIPv6)("listens on IPv6 loopback; the url keeps the brackets", async () => {
    const got = await run(function* () {
      const listening = signal<{ host: string; port: number }>();
      const server = spawn(
        serve({ host: "::1", onListen: (a) => listening.resolve(a) }, function* (req) {
          return response(req.url);
        }),
      );
      const address = yield* call(listening.promise);
      const r = yield* call(curl([`http://[::1]:${address.port}/six`]));
      server.cancel();
      return { address, body: r.body };
    });
    expect(got.address.host).toBe("::1");
    expect(got.body).toBe(`http://[::1]:${got.address.port}/six`);
  });

  it("uses the server's own address when the request has no usable Host", async () => {
    const bodies = await serving(
      function* (req) {
        return response(req.url);
      },
      async (base) => [
        // HTTP/1.0 may leave the Host out (Node refuses that in HTTP/1.1)
        (await curl(["--http1.0", "-H", "Host:", `${base}/none`])).body,
        (await curl(["-H", "Host: bad/host", `${base}/bad`])).body,
        (await curl(["-H", "Host: example.com:8080", `${base}/named`])).body,
      ],
    );
    expect(bodies[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/none$/);
    expect(bodies[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/bad$/);
    expect(bodies[2]).toBe("http://example.com:8080/named");
  });
});

describe("request bodies", () => {
  it("reads POST bodies with text(), json(), bytes() and the Request's own methods", async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, "xyz");
    const digest = createHash("sha256").update(big).digest("hex");
    await serving(
      function* (req): Coroutine<Response> {
        const { pathname } = new URL(req.url);
        if (pathname === "/text") return response(`got ${yield* text(req)}`);
        if (pathname === "/json") {
          const { a } = (yield* json(req)) as { a: number };
          return Response.json({ doubled: a * 2 });
        }
        if (pathname === "/bytes") {
          const data = yield* bytes(req);
          return response(`${data.byteLength} ${createHash("sha256").update(data).digest("hex")}`);
        }
        if (pathname === "/promise") return response(`via promise: ${yield* call(req.text())}`);
        if (pathname === "/echo") return new Response(req.body); // stream the body back
        if (pathname === "/twice") {
          yield* text(req);
          return response(`${req.bodyUsed}`);
        }
        return response(`${(yield* bytes(req)).byteLength}`);
      },
      async (base) => {
        expect((await curl(["--data-binary", "hello", `${base}/text`])).body).toBe("got hello");
        expect(
          JSON.parse(
            (await curl(["-H", "content-type: application/json", "-d", '{"a":21}', `${base}/json`]))
              .body,
          ),
        ).toEqual({ doubled: 42 });
        expect((await curl(["--data-binary", "@-", `${base}/bytes`], big)).body).toBe(
          `${big.byteLength} ${digest}`,
        );
        expect((await curl(["--data-binary", "@-", `${base}/promise`], "p")).body).toBe(
          "via promise: p",
        );
        const echo = await curl(["--data-binary", "@-", `${base}/echo`], big);
        expect(echo.body.length).toBe(big.byteLength);
        expect((await curl(["-d", "x", `${base}/twice`])).body).toBe("true");
        // Chunked upload, no length given.
        const chunked = await curl(
          ["-H", "transfer-encoding: chunked", "--data-binary", "@-", `${base}/count`],
          "12345",
        );
        expect(chunked.body).toBe("5");
        expect((await curl([`${base}/count`])).body).toBe("0"); // GET: no body
      },
      { maxBodyBytes: 4 * 1024 * 1024 }, // 3 MiB bodies: over the 1 MiB default
    );
  });

  it("gives the handler a real Request: instanceof, headers, clone, new Request(req)", async () => {
    const r = await serving(
      function* (req) {
        const clone = req.clone(); // first: new Request(req) takes the body
        const copy = new Request(req);
        return Response.json({
          isRequest: req instanceof Request,
          ua: req.headers.get("user-agent"),
          custom: req.headers.get("x-custom"),
          copyUrl: copy.url,
          copyMethod: copy.method,
          cloneBody: yield* call(clone.text()),
          signal: req.signal instanceof AbortSignal && !req.signal.aborted,
        });
      },
      (base) => curl(["-X", "PUT", "-H", "x-custom: yes", "-d", "data", `${base}/r`]),
    );
    const seen = JSON.parse(r.body);
    expect(seen).toMatchObject({
      isRequest: true,
      custom: "yes",
      copyMethod: "PUT",
      cloneBody: "data",
      signal: true,
    });
    expect(seen.ua).toMatch(/^curl\//);
    expect(seen.copyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/r$/);
  });
});

describe("errors", () => {
  it("answers 404 from the handler, 500 when it throws; onError gets the error; serving goes on", async () => {
    const errors: [unknown, string][] = [];
    await serving(
      function* (req) {
        const { pathname } = new URL(req.url);
        if (pathname === "/boom") throw new Error("boom");
        if (pathname === "/late") {
          yield* sleep(5);
          throw new RangeError("late boom");
        }
        if (pathname === "/not-a-response") return "text" as unknown as Response;
        if (pathname === "/") return response("home");
        return response("no such page", { status: 404 });
      },
      async (base) => {
        expect((await curl([`${base}/missing`])).status).toBe(404);
        const boom = await curl([`${base}/boom`]);
        expect(boom.status).toBe(500);
        expect(boom.body).toBe("Internal Server Error");
        expect((await curl([`${base}/late`])).status).toBe(500);
        expect((await curl([`${base}/not-a-response`])).status).toBe(500);
        expect((await curl([`${base}/`])).body).toBe("home");
      },
      { onError: (error, req) => errors.push([error, new URL(req.url).pathname]) },
    );
    expect(errors.map(([e, path]) => [(e as Error).message, path])).toEqual([
      ["boom", "/boom"],
      ["late boom", "/late"],
      [expect.stringMatching(/must return a Response, got string/), "/not-a-response"],
    ]);
  });

  it("a header Node refuses to send gets a 500 and goes to onError", async () => {
    const errors: unknown[] = [];
    const r = await serving(
      function* () {
        return response("x", { headers: { "bad header": "v" } });
      },
      (base) => curl([`${base}/`]),
      { onError: (e) => errors.push(e) },
    );
    expect(r.status).toBe(500);
    expect((errors[0] as { code?: string }).code).toBe("ERR_INVALID_HTTP_TOKEN");
  });

  it("prints handler errors to stderr by default; an async handler is named as the mistake", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const r = await serving((async () => new Response("never")) as never, (base) =>
        curl([`${base}/async`]),
      );
      expect(r.status).toBe(500);
      expect(printed).toHaveBeenCalledTimes(1);
      expect(String(printed.mock.calls[0]?.[0])).toContain("GET /async");
      expect(String(printed.mock.calls[0]?.[1])).toMatch(/returned a Promise.*function\*/);
    } finally {
      printed.mockRestore();
    }
  });

  it("a streamed body that fails cuts the connection and reports the error", async () => {
    const errors: unknown[] = [];
    const r = await serving(
      function* () {
        let sent = false;
        return new Response(
          new ReadableStream({
            pull(controller) {
              if (sent) return controller.error(new Error("source failed"));
              sent = true;
              controller.enqueue(new TextEncoder().encode("partial"));
            },
          }),
        );
      },
      (base) => curl([`${base}/`]),
      { onError: (e) => errors.push(e) },
    );
    expect(r.code).not.toBe(0); // curl saw the chunked body end abruptly
    expect(r.body).toContain("partial");
    expect((errors[0] as Error).message).toBe("source failed");
  });

  it("an onError that throws fails the server with that error", async () => {
    const failed = run(function* () {
      const listening = signal<number>();
      const server = spawn(
        serve(
          {
            onListen: ({ port }) => listening.resolve(port),
            onError: () => {
              throw new Error("logger broke");
            },
          },
          function* () {
            throw new Error("handler broke");
          },
        ),
      );
      const port = yield* call(listening.promise);
      yield* call(curl([`http://127.0.0.1:${port}/`]));
      yield* server;
    });
    await expect(failed).rejects.toThrow("logger broke");
  });

  it("reports a port in use as EADDRINUSE, and bad options at the call", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(
        run(function* () {
          yield* serve({ port }, function* () {
            return response("x");
          });
        }),
      ).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    const h = function* () {
      return response("x");
    };
    expect(() => serve({ port: -1 }, h)).toThrow(RangeError);
    expect(() => serve({ port: 1.5 }, h)).toThrow(RangeError);
    expect(() => serve({ host: 1 as never }, h)).toThrow(TypeError);
    expect(() => serve({ shutdownTimeout: -5 }, h)).toThrow(RangeError);
    expect(() => serve({ onError: "x" as never }, h)).toThrow(TypeError);
    expect(() => serve({}, "nope" as never)).toThrow(/handler must be a function/);
  });
});

describe("one task per request", () => {
  it("runs each request in its own child task; a slow handler holds up nobody", async () => {
    const release = new Event();
    const seen: { parent: Task<unknown> | null; name: string }[] = [];
    await serving(
      function* (req) {
        const me = currentTask() as Task<unknown>;
        seen.push({ parent: me.parent, name: me.name });
        if (new URL(req.url).pathname === "/slow") yield* release.wait();
        return response("done");
      },
      async (base) => {
        const slow = curl([`${base}/slow`]);
        let slowDone = false;
        void slow.then(() => {
          slowDone = true;
        });
        for (let i = 0; i < 5; i++) expect((await curl([`${base}/fast${i}`])).body).toBe("done");
        expect(slowDone).toBe(false);
        release.set();
        expect((await slow).body).toBe("done");
      },
    );
    expect(seen).toHaveLength(6);
    // Children of one server-side task, not of whoever started serve().
    expect(new Set(seen.map((s) => s.parent)).size).toBe(1);
    expect(seen[0]?.parent).not.toBeNull();
    expect(seen.map((s) => s.name)).toContain("GET /fast3");
  });

  it('names each request\'s task "METHOD /path" in listings, in traces, and while it waits for children it left', async () => {
    for (const trace of [false, true]) {
      const rt = new Runtime({ trace });
      const gate = new Event();
      const inside = new Event();
      let listed: { name: string; state: string }[] = [];
      const names = (): string[] => listed.map((t) => t.name);
      await rt.run(function* () {
        const listening = signal<number>();
        const server = spawn(
          serve({ onListen: ({ port }) => listening.resolve(port) }, function* (req) {
            const path = new URL(req.url).pathname;
            if (path.startsWith("/wait")) {
              inside.set();
              yield* gate.wait();
            } else {
              // A child left running: the request's task waits for its cleanup once its body ends.
              spawn(function* () {
                try {
                  yield* sleep(60_000);
                } finally {
                  yield* gate.wait();
                }
              });
              yield* sleep(1); // (the child starts: a child that never ran has no cleanup)
            }
            return response("done");
          }),
        );
        const port = yield* call(listening.promise);
        const base = `http://127.0.0.1:${port}`;
        const waiting = [curl([`${base}/wait/1?q=2`]), curl([`${base}/wait/2`])];
        try {
          yield* check(base);
        } finally {
          gate.set();
        }
        for (const r of yield* call(Promise.all(waiting))) expect(r.body).toBe("done");
        server.cancel();
        yield* call(server.then(undefined, () => undefined));
      });
      function* check(base: string): Coroutine<void> {
        yield* inside.wait();
        while (rt.tasks().filter((t) => t.name.startsWith("GET /wait")).length < 2) yield* sleep(5);
        listed = rt.tasks();
        expect(names()).toEqual(expect.arrayContaining(["GET /wait/1?q=2", "GET /wait/2"]));
        expect((yield* call(curl([`${base}/left`]))).body).toBe("done");
        // (Answered: its body has ended, and it waits for the child's cleanup.)
        listed = rt.tasks();
        expect(listed).toContainEqual(expect.objectContaining({ name: "GET /left" }));
      }
      if (trace) {
        const spawned = rt.traceEvents().traceEvents.filter((e) => e.name === "thread_name");
        expect(spawned.map((e) => e.args?.name)).toEqual(
          expect.arrayContaining(["GET /wait/1?q=2", "GET /wait/2", "GET /left"]),
        );
      }
    }
  });

  it("serves 200 concurrent requests from Node's fetch, handlers interleaving", async () => {
    let inside = 0;
    let most = 0;
    const bodies = await serving(
      function* (req) {
        inside++;
        most = Math.max(most, inside);
        try {
          yield* sleep(20);
          return response(new URL(req.url).searchParams.get("i") ?? "");
        } finally {
          inside--;
        }
      },
      (base) =>
        Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            globalThis.fetch(`${base}/?i=${i}`).then((r) => r.text()),
          ),
        ),
    );
    expect(bodies).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    expect(most).toBeGreaterThan(1);
  });
});

describe("client disconnects", () => {
  it("cancels the request's task when curl -m gives up: the handler's finally runs", async () => {
    const cleanedUp = signal<{ aborted: boolean }>();
    let reachedEnd = false;
    const r = await serving(
      function* (req) {
        try {
          yield* sleep(30_000);
          reachedEnd = true;
          return response("too late");
        } finally {
          cleanedUp.resolve({ aborted: req.signal.aborted });
        }
      },
      async (base) => {
        const r = await curl(["-m", "1", `${base}/slow`]);
        // The handler's cleanup runs promptly after the client left (not after 30 s).
        const state = await Promise.race([cleanedUp.promise, delay(5000).then(() => null)]);
        return { ...r, state };
      },
    );
    expect(r.code).toBe(28); // curl: operation timed out
    expect(r.state).toEqual({ aborted: true });
    expect(reachedEnd).toBe(false);
  });

  it("a handler whose cleanup waits is still cancelled, not taken for a bad answer", async () => {
    const cleanedUp = signal<boolean>();
    const onError = vi.fn();
    const r = await serving(
      function* () {
        try {
          yield* sleep(30_000);
          return response("too late");
        } finally {
          yield* sleep(5); // asynchronous cleanup: the cancellation goes on unwinding after it
          cleanedUp.resolve(true);
        }
      },
      async (base) => {
        const r = await curl(["-m", "1", `${base}/slow`]);
        const done = await Promise.race([cleanedUp.promise, delay(5000).then(() => false)]);
        await delay(50); // anything reported after the cleanup would be by now
        return { ...r, done };
      },
      { onError },
    );
    expect(r.code).toBe(28);
    expect(r.done).toBe(true);
    expect(onError).not.toHaveBeenCalled();
  });

  it("cancels a streamed body when the client goes away mid-stream", async () => {
    const cancelled = signal<unknown>();
    const r = await serving(
      function* () {
        return new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              await delay(20);
              controller.enqueue(new TextEncoder().encode("tick\n"));
            },
            cancel(reason) {
              cancelled.resolve(reason);
            },
          }),
        );
      },
      async (base) => {
        const r = await curl(["-N", "-m", "1", `${base}/stream`]);
        const reason = await Promise.race([cancelled.promise, delay(5000).then(() => "timeout")]);
        return { ...r, reason };
      },
    );
    expect(r.code).toBe(28);
    expect(r.body).toContain("tick\n");
    expect(r.reason).not.toBe("timeout");
  });

  it("cancels a handler reading a body when the client stops sending", async () => {
    const outcome = signal<string>();
    await serving(
      function* (req) {
        try {
          const data = yield* text(req);
          outcome.resolve(`read ${data.length}`);
          return response("ok");
        } finally {
          if (req.signal.aborted) outcome.resolve("cancelled");
        }
      },
      async (base) => {
        // Announce 1 MB, send a little, then give up.
        const url = new URL(base);
        const { connect } = await import("node:net");
        const socket = connect(Number(url.port), url.hostname);
        await new Promise((r) => socket.once("connect", r));
        socket.write(
          `POST /upload HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 1000000\r\n\r\npartial`,
        );
        await delay(50);
        socket.destroy();
        expect(await Promise.race([outcome.promise, delay(5000).then(() => "timeout")])).toBe(
          "cancelled",
        );
      },
    );
  });
});

describe("outside work", () => {
  it("a listening server is outside work: no false deadlock while it waits for clients", async () => {
    const controller = new AbortController();
    const done = run(
      function* () {
        yield* serve(
          {
            onListen: ({ port }) => {
              // Stop the run from outside once a client was served.
              void curl([`http://127.0.0.1:${port}/`]).then(() => controller.abort());
            },
          },
          function* () {
            return response("served");
          },
        );
      },
      { signal: controller.signal },
    );
    await expect(done).rejects.toMatchObject({ name: "CancelledError" });
  });

  it("under virtual time the clock does not jump while the server waits", async () => {
    const result = await runTest(function* () {
      let servedAt = -1;
      const sleeper = spawn(function* () {
        yield* sleep(60_000);
      });
      const server = spawn(
        serve(
          {
            onListen: ({ port }) => {
              // A client from outside the runtime; nothing in it awaits this.
              void delay(30).then(() => curl([`http://127.0.0.1:${port}/`]));
            },
          },
          function* () {
            servedAt = now();
            sleeper.cancel();
            return response("ok");
          },
        ),
      );
      try {
        yield* sleeper;
      } catch {
        // cancelled by the handler
      }
      server.cancel();
      return servedAt;
    });
    // Had the clock jumped to the sleeper's deadline, the run would have ended
    // before any client came.
    expect(result).toBeGreaterThanOrEqual(0);
    expect(result).toBeLessThan(60_000);
  });
});

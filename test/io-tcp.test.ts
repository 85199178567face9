/**
 * corio/net over real TCP on loopback: foreign clients (Python asyncio, nc), half-close, EOF,
 * reset, refused, address in use, connect timeout, backpressure with 1 GiB, cancellation
 * without leaks. Every listener binds port 0; nothing asserts on elapsed time.
 */
import {
  CancelledError,
  type Coroutine,
  call,
  currentTask,
  run,
  select,
  sleep,
  spawn,
} from "corio";
import { connect, listen, type NetAddress, type TcpStream } from "corio/net";
import { waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";
import { countResources, fixture, foreign, settle } from "./io-helpers.js";
import { systemTool } from "./support/system-tool.js";

const nc = systemTool("nc", "netcat-openbsd");

/** Echo until EOF, then half-close: the handler of most tests here. */
function* echo(conn: TcpStream): Coroutine<number> {
  let bytes = 0;
  for (let b = yield* conn.read(); b !== null; b = yield* conn.read()) {
    bytes += b.length;
    yield* conn.write(b);
  }
  yield* conn.shutdown();
  return bytes;
}

/** A loopback port with nothing listening on it (bound, then released). */
function* freePort(): Coroutine<number> {
  const l = yield* listen({ host: "127.0.0.1", port: 0 });
  const { port } = l.address as NetAddress;
  l.close();
  return port;
}

const SOCKETS = /^TCP(Socket|Server)Wrap$/;

describe("corio/net TCP: foreign clients", () => {
  it("echoes 1,000 concurrent connections from a Python asyncio client, every byte checked", async () => {
    const { report, served } = await run(function* () {
      using listener = yield* listen({ host: "127.0.0.1", port: 0, backlog: 1024 });
      const { port } = listener.address as NetAddress;
      let served = 0;
      const server = spawn(() =>
        listener.serve(function* (conn) {
          const n = yield* echo(conn); // (not `served += yield* ...`: that reads `served` first)
          served += n;
        }),
      );
      const client = foreign("python3", [
        fixture("io-echo-client.py"),
        "127.0.0.1",
        String(port),
        "1000",
        "4096",
      ]);
      const out = yield* call(client.done);
      listener.close();
      yield* server;
      return { report: JSON.parse(out.stdout || "{}") as { ok: number; bad: string[] }, served };
    });
    expect(report.bad).toEqual([]);
    expect(report.ok).toBe(1000);
    expect(served).toBe(1000 * 4096);
  });

  it.skipIf(nc.skip)("serves nc (netcat-openbsd) as a client", async () => {
    const out = await run(function* () {
      using listener = yield* listen({ host: "127.0.0.1", port: 0 });
      const { port } = listener.address as NetAddress;
      const server = spawn(() =>
        listener.serve(function* (conn) {
          for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
            yield* conn.write(`${line.toUpperCase()}\n`);
          }
        }),
      );
      // -N: shut down the socket after EOF on stdin, so the server sees EOF and closes.
      const nc = foreign("nc", ["-N", "127.0.0.1", String(port)]);
      nc.child.stdin?.end("hello\nworld\n");
      const done = yield* call(nc.done);
      listener.close();
      yield* server;
      return done;
    });
    expect(out.stdout).toBe("HELLO\nWORLD\n");
    expect(out.code).toBe(0);
  });
});

describe("corio/net TCP: stream semantics", () => {
  it("half-close: the client shuts down its side and still reads the reply", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      const server = spawn(function* () {
        using conn = yield* listener.accept();
        const request = yield* conn.readAll(); // until the client's FIN
        yield* conn.write(`got ${request.toString()}`);
      });
      using conn = yield* connect({ host, port });
      yield* conn.write("request");
      yield* conn.shutdown();
      yield* conn.shutdown(); // harmless twice
      const reply = yield* conn.readAll();
      yield* server;
      const afterShutdown = yield* tryWrite(conn);
      return { reply: reply.toString(), afterShutdown };
    });
    expect(got.reply).toBe("got request");
    expect(got.afterShutdown).toMatch(/EPIPE.*after shutdown/);
  });

  it("EOF: read returns null for good, readLine null, readExact throws code EOF with the bytes kept", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      spawn(function* () {
        using conn = yield* listener.accept();
        yield* conn.write("abc");
      });
      using conn = yield* connect({ host, port });
      let eof: { code?: string; message: string } = { message: "" };
      try {
        yield* conn.readExact(5);
      } catch (e) {
        eof = e as { code: string; message: string };
      }
      const partial = yield* conn.read();
      return {
        eof,
        partial: partial?.toString(),
        reads: [yield* conn.read(), yield* conn.read(), yield* conn.readLine()],
      };
    });
    expect(got.eof.code).toBe("EOF");
    expect(got.eof.message).toMatch(/ended after 3 of 5 bytes/);
    expect(got.partial).toBe("abc");
    expect(got.reads).toEqual([null, null, null]);
  });

  it("readLine splits lines across chunks, strips \\r\\n, returns the last unterminated line", async () => {
    const lines = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      spawn(function* () {
        using conn = yield* listener.accept();
        conn.setNoDelay();
        for (const piece of ["one\r\ntw", "o\nthr", "ee\n\nfé", "\nlast"]) {
          yield* conn.write(piece);
          yield* sleep(1);
        }
      });
      using conn = yield* connect({ host, port });
      const out: (string | null)[] = [];
      for (let l = yield* conn.readLine(); l !== null; l = yield* conn.readLine()) out.push(l);
      return out;
    });
    expect(lines).toEqual(["one", "two", "three", "", "fé", "last"]);
  });

  it("readLine refuses a line longer than its limit (ELINETOOLONG) and keeps the bytes", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      spawn(function* () {
        using conn = yield* listener.accept();
        yield* conn.write("x".repeat(100));
      });
      using conn = yield* connect({ host, port });
      let code = "";
      try {
        yield* conn.readLine({ limit: 10 });
      } catch (e) {
        code = (e as { code: string }).code;
      }
      return { code, rest: (yield* conn.readAll()).length };
    });
    expect(got).toEqual({ code: "ELINETOOLONG", rest: 100 });
  });

  it("close() is graceful: 4 MiB written just before close() all arrive, then EOF", async () => {
    const size = 4 * 1024 * 1024;
    const received = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      spawn(function* () {
        const conn = yield* listener.accept();
        yield* conn.write(Buffer.alloc(size, 7));
        conn.close(); // at once: the bytes accepted above must still be delivered
      });
      using conn = yield* connect({ host, port });
      const all = yield* conn.readAll();
      return all.length === size && all.every((b) => b === 7);
    });
    expect(received).toBe(true);
  });

  it("close() with unread bytes from the peer still delivers everything written (lingering close)", async () => {
    const size = 2 * 1024 * 1024;
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      spawn(function* () {
        const conn = yield* listener.accept();
        yield* conn.readLine(); // reads the request line only; the upload stays unread
        yield* conn.write(Buffer.alloc(size, 1));
        conn.close(); // a plain close here would reset the connection and could cut the reply
      });
      using conn = yield* connect({ host, port });
      yield* conn.write("request\n");
      const upload = spawn(function* () {
        yield* conn.write(Buffer.alloc(size, 2)); // more than the server will ever read
      });
      const reply = yield* conn.readAll();
      yield* upload;
      return { length: reply.length, ones: reply.every((b) => b === 1) };
    });
    expect(got).toEqual({ length: size, ones: true });
  });

  it("works over IPv6 (::1) and with a hostname (localhost)", async () => {
    const got = await run(function* () {
      using v6 = yield* listen({ host: "::1", port: 0 });
      const a6 = v6.address as NetAddress;
      spawn(() => v6.serve(echo));
      using c6 = yield* connect({ host: "::1", port: a6.port });
      yield* c6.write("six");
      const r6 = (yield* c6.read())?.toString();
      using v4 = yield* listen({ host: "127.0.0.1", port: 0 });
      spawn(() => v4.serve(echo));
      using byName = yield* connect({ host: "localhost", port: (v4.address as NetAddress).port });
      yield* byName.write("name");
      const rn = (yield* byName.read())?.toString();
      v6.close();
      v4.close();
      return { a6, remote6: c6.remoteAddress, r6, rn };
    });
    expect(got.a6.host).toBe("::1");
    expect(got.remote6).toEqual({ host: "::1", port: got.a6.port });
    expect(got.r6).toBe("six");
    expect(got.rn).toBe("name");
  });

  it("one reader at a time: a second concurrent read gets an error, the first is unaffected", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      const server = spawn(function* () {
        using conn = yield* listener.accept();
        yield* sleep(5);
        yield* conn.write("data");
      });
      using conn = yield* connect({ host, port });
      const first = spawn(function* () {
        return yield* conn.read();
      });
      yield* waitIdle();
      let busy = "";
      try {
        yield* conn.read();
      } catch (e) {
        busy = (e as Error).message;
      }
      const data = (yield* first)?.toString();
      yield* server;
      return { busy, data };
    });
    expect(got.busy).toMatch(/another task is already reading/);
    expect(got.data).toBe("data");
  });

  it("operations after close() throw ERR_STREAM_CLOSED; a read waiting in another task too", async () => {
    const codes = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      spawn(function* () {
        using conn = yield* listener.accept();
        yield* conn.readAll();
      });
      const conn = yield* connect({ host, port });
      const waiting = spawn(function* () {
        try {
          yield* conn.read();
          return "read returned";
        } catch (e) {
          return (e as { code: string }).code;
        }
      });
      yield* waitIdle();
      conn.close();
      const out = [yield* waiting];
      for (const op of [() => conn.read(), () => conn.write("x"), () => conn.shutdown()]) {
        try {
          yield* op();
        } catch (e) {
          out.push((e as { code: string }).code);
        }
      }
      return out;
    });
    expect(codes).toEqual(Array(4).fill("ERR_STREAM_CLOSED"));
  });
});

describe("corio/net TCP: listeners", () => {
  it("incoming() ends when the listener closes; accept() then throws ERR_LISTENER_CLOSED", async () => {
    const got = await run(function* () {
      const listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      const incoming = listener.incoming();
      const accepted: string[] = [];
      const loop = spawn(function* () {
        for (let r = yield* incoming.recv(); !r.done; r = yield* incoming.recv()) {
          accepted.push(r.value.remoteAddress ? "conn" : "?");
          r.value.close();
        }
        return "ended";
      });
      for (let i = 0; i < 3; i++) (yield* connect({ host, port })).close();
      while (accepted.length < 3) yield* sleep(1);
      listener.close();
      const ended = yield* loop;
      let code = "";
      try {
        yield* listener.accept();
      } catch (e) {
        code = (e as NodeJS.ErrnoException).code ?? "";
      }
      return { accepted, ended, code, closed: listener.closed };
    });
    expect(got).toEqual({
      accepted: ["conn", "conn", "conn"],
      ended: "ended",
      code: "ERR_LISTENER_CLOSED",
      closed: true,
    });
  });

  it("several acceptors each get one connection; a cancelled accept passes its connection on", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      const acceptors = [0, 1, 2].map((i) =>
        spawn(function* () {
          using _conn = yield* listener.accept();
          return i;
        }),
      );
      yield* waitIdle();
      acceptors[0]?.cancel(); // parked: leaves the line
      const clients = [];
      for (let i = 0; i < 2; i++) clients.push(yield* connect({ host, port }));
      const served = [];
      for (const a of acceptors.slice(1)) served.push(yield* a);
      for (const c of clients) c.close();
      return { served: served.sort(), first: acceptors[0]?.state };
    });
    expect(got).toEqual({ served: [1, 2], first: "cancelled" });
  });
});

describe("corio/net TCP: serve() owns its connections", () => {
  it("closes each connection when its handler ends: returns, throws, or never got to run", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      let mode = "return";
      const server = spawn(function* () {
        try {
          yield* listener.serve(function* (conn) {
            yield* conn.readLine();
            if (mode === "throw") throw new Error("handler failed");
            // "return": just end, without closing
          });
        } catch (e) {
          return (e as Error).message;
        }
        return "returned";
      });
      const outcomes: (Buffer | null)[] = [];
      for (const m of ["return", "throw"]) {
        mode = m;
        using conn = yield* connect({ host, port });
        yield* conn.write("go\n");
        outcomes.push(yield* conn.read()); // null: the server closed the connection
      }
      const ended = yield* server; // the throw ended serve (structured concurrency)
      return { outcomes, ended };
    });
    expect(got.outcomes).toEqual([null, null]);
    expect(got.ended).toBe("handler failed");

    const never = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      let started = false;
      const server = spawn(function* () {
        try {
          yield* listener.serve(() => {
            currentTask()?.cancel(); // the group's task, while it spawns this handler
            return (function* () {
              started = true;
            })();
          });
        } catch {
          // the group reports its own cancellation
        }
      });
      using conn = yield* connect({ host, port });
      const eof = yield* conn.read();
      listener.close();
      yield* server;
      return { eof, started };
    });
    expect(never).toEqual({ eof: null, started: false });
  });
});

describe("corio/net TCP: errors", () => {
  it("ECONNREFUSED is a clear error naming the address, not a hang", async () => {
    const error = await run(function* () {
      const port = yield* freePort();
      try {
        yield* connect({ host: "127.0.0.1", port });
      } catch (e) {
        return { e: e as NodeJS.ErrnoException, port };
      }
      throw new Error("connected to a closed port");
    });
    expect(error.e.code).toBe("ECONNREFUSED");
    expect(error.e.message).toBe(
      `connect to 127.0.0.1:${error.port} failed: connection refused (ECONNREFUSED)`,
    );
  });

  it("EADDRINUSE names the address", async () => {
    const error = await run(function* () {
      using first = yield* listen({ host: "127.0.0.1", port: 0 });
      const { port } = first.address as NetAddress;
      try {
        yield* listen({ host: "127.0.0.1", port });
      } catch (e) {
        return { e: e as NodeJS.ErrnoException, port };
      }
      throw new Error("bound twice");
    });
    expect(error.e.code).toBe("EADDRINUSE");
    expect(error.e.message).toContain(`listen on 127.0.0.1:${error.port} failed`);
    expect(error.e.message).toContain("address already in use");
  });

  it("a peer reset fails the pending read with ECONNRESET", async () => {
    const error = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      const reader = spawn(function* () {
        using conn = yield* listener.accept();
        try {
          yield* conn.read();
          return null;
        } catch (e) {
          return e as NodeJS.ErrnoException;
        }
      });
      using conn = yield* connect({ host, port });
      yield* waitIdle();
      conn.abort(); // RST
      return yield* reader;
    });
    expect(error?.code).toBe("ECONNRESET");
    expect(error?.message).toMatch(/^tcp 127\.0\.0\.1:\d+ failed: connection reset by peer/);
  });

  it("a read that failed stops counting as outside work (no leak warning; deadlocks stay detectable)", async () => {
    const warnings: string[] = [];
    await run(
      function* () {
        using listener = yield* listen({ port: 0 });
        const { host, port } = listener.address as NetAddress;
        const reader = spawn(function* () {
          using conn = yield* listener.accept();
          try {
            yield* conn.read(); // waits, then fails with ECONNRESET
          } catch {}
        });
        using conn = yield* connect({ host, port });
        yield* waitIdle();
        conn.abort(); // RST
        yield* reader;
      },
      {
        debug: {
          onWarning: (w) => warnings.push(w.message),
          slowStepMs: 60_000,
          starvationMs: 60_000,
        },
      },
    );
    expect(warnings.filter((m) => /outside operation/.test(m))).toEqual([]);
  });

  it("connect timeout: a listener whose accept queue is full never answers; ETIMEDOUT, nothing left open", async () => {
    // Why this setup: an unroutable address is not loopback and may fail fast (ENETUNREACH)
    // in a sandbox; a full accept queue on loopback reliably drops the SYN on Linux.
    const backlog = foreign("python3", [fixture("io-full-backlog.py")]);
    const port = Number(await backlog.line());
    await settle(() => countResources(SOCKETS) === 0); // the earlier tests' sockets are gone
    const before = countResources(SOCKETS);
    expect(before).toBe(0);
    try {
      const error = await run(function* () {
        try {
          yield* connect({ host: "127.0.0.1", port, timeout: 300 });
        } catch (e) {
          return e as NodeJS.ErrnoException;
        }
        return null;
      });
      expect(error?.code).toBe("ETIMEDOUT");
      expect(error?.message).toBe(
        `connect to 127.0.0.1:${port} failed: timed out after 300 ms (ETIMEDOUT)`,
      );
      expect(await settle(() => countResources(SOCKETS) === before)).toBe(true);
    } finally {
      backlog.child.stdin?.end();
      await backlog.done;
    }
  });
});

describe("corio/net TCP: flow control", () => {
  it("backpressure: writing 1 GiB to a client that stops reading keeps the server's memory bounded", async () => {
    const GiB = 1024 ** 3;
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const result = await run(function* () {
      using listener = yield* listen({ host: "127.0.0.1", port: 0 });
      const { port } = listener.address as NetAddress;
      const client = foreign("python3", [
        fixture("io-stalled-reader.py"),
        "127.0.0.1",
        String(port),
      ]);
      using conn = yield* listener.accept();
      const base = process.memoryUsage();
      let written = 0;
      let peakRss = 0;
      let peakBuffers = 0;
      const writer = spawn(function* () {
        while (written < GiB) {
          yield* conn.write(chunk);
          written += chunk.length;
          if ((written & 0xffffff) === 0) {
            const m = process.memoryUsage();
            peakRss = Math.max(peakRss, m.rss - base.rss);
            peakBuffers = Math.max(peakBuffers, m.arrayBuffers - base.arrayBuffers);
          }
        }
        yield* conn.shutdown();
      });
      expect(yield* call(client.line())).toBe("stalled");
      // The client has stopped reading: the writer must come to a stop, blocked on a full socket.
      let stalledAt = -1;
      for (let i = 0; i < 10_000; i++) {
        yield* sleep(1);
        if (conn.statistics().writeBlocked) {
          const at = written;
          yield* sleep(50);
          if (written === at) {
            stalledAt = at;
            break;
          }
        }
      }
      client.child.stdin?.write("go\n");
      yield* writer;
      const received = Number(yield* call(client.line()));
      yield* call(client.done);
      return { stalledAt, received, peakRss, peakBuffers };
    });
    expect(result.stalledAt).toBeGreaterThan(0);
    expect(result.stalledAt).toBeLessThan(64 * 1024 * 1024); // held back: far from 1 GiB
    expect(result.received).toBe(GiB);
    // Generous bounds: unbounded buffering would show up as hundreds of MiB.
    expect(result.peakBuffers).toBeLessThan(64 * 1024 * 1024);
    expect(result.peakRss).toBeLessThan(192 * 1024 * 1024);
  }, 120_000);

  it("a task that stops reading holds the sender back (pull-based reads)", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      using server = yield* connect({ host, port });
      using peer = yield* listener.accept(); // never reads
      let sent = 0;
      const sender = spawn(function* () {
        for (;;) {
          yield* server.write(Buffer.alloc(64 * 1024));
          sent += 64 * 1024;
        }
      });
      for (let i = 0; i < 10_000 && !server.statistics().writeBlocked; i++) yield* sleep(1);
      const blocked = server.statistics().writeBlocked;
      sender.cancel();
      return { blocked, sent, buffered: peer.statistics().buffered };
    });
    expect(got.blocked).toBe(true);
    expect(got.sent).toBeLessThan(64 * 1024 * 1024);
    expect(got.buffered).toBe(0); // nothing was pulled into the reader's buffer
  });
});

describe("corio/net TCP: cancellation", () => {
  it("a cancelled read loses no bytes; readExact and readLine too", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      using client = yield* connect({ host, port });
      using conn = yield* listener.accept();
      client.setNoDelay();
      // A read cancelled while waiting, then bytes arrive.
      const r1 = spawn(function* () {
        return yield* conn.read();
      });
      yield* waitIdle();
      r1.cancel();
      yield* client.write("first ");
      // readExact cancelled with part of its bytes buffered.
      const r2 = spawn(function* () {
        return yield* conn.readExact(100);
      });
      yield* client.write("second ");
      for (let i = 0; i < 1000 && conn.statistics().buffered < 13; i++) yield* sleep(1);
      r2.cancel();
      // The cancel takes effect at r2's next step: until then it is the reader.
      try {
        yield* r2;
      } catch {}
      // readLine lost in a race against a timer.
      const raced = yield* select({ line: conn.readLine(), timer: sleep(5) });
      yield* client.write("third\n");
      const line = yield* conn.readLine();
      return { r1: r1.state, r2: r2.state, raced: raced.key, line };
    });
    expect(got).toEqual({
      r1: "cancelled",
      r2: "cancelled",
      raced: "timer",
      line: "first second third",
    });
  });

  it("cancelling tasks blocked in read, accept and write (full buffer) leaks no handle", async () => {
    await settle(() => countResources(SOCKETS) === 0); // the earlier tests' sockets are gone
    const before = countResources(SOCKETS);
    expect(before).toBe(0);
    await run(function* () {
      // accept
      let listening = false;
      const acceptor = spawn(function* () {
        using listener = yield* listen({ port: 0 });
        listening = true;
        yield* listener.accept();
      });
      while (!listening) yield* sleep(1);
      yield* waitIdle();
      expect(countResources(/TCPServerWrap/)).toBeGreaterThan(0);
      acceptor.cancel();
      expect(yield* settleIn(() => countResources(SOCKETS) === before)).toBe(true);

      using listener = yield* listen({ port: 0 });
      const { host, port } = listener.address as NetAddress;
      // read
      let connected = false;
      const reader = spawn(function* () {
        using conn = yield* connect({ host, port });
        connected = true;
        yield* conn.read();
      });
      const peer1 = yield* listener.accept();
      while (!connected) yield* sleep(1);
      yield* waitIdle();
      expect(reader.state).toBe("waiting"); // in read()
      reader.cancel();
      expect(yield* joinState(reader)).toBe("cancelled");
      expect(yield* peer1.read()).toBeNull(); // the reader's socket closed: EOF here
      peer1.close();
      // write, blocked on a full send buffer (the peer does not read yet)
      let writing: TcpStream | null = null;
      let completed = 0;
      const writer = spawn(function* () {
        using conn = yield* connect({ host, port });
        writing = conn;
        for (;;) {
          yield* conn.write(Buffer.alloc(1024 * 1024));
          completed++;
        }
      });
      const peer2 = yield* listener.accept();
      const blocked = (): boolean =>
        (writing as TcpStream | null)?.statistics().writeBlocked === true;
      for (let i = 0; i < 10_000 && !blocked(); i++) yield* sleep(1);
      expect(blocked()).toBe(true);
      writer.cancel();
      expect(yield* joinState(writer)).toBe("cancelled");
      // The cancelled write sent nothing; every completed one is delivered, then EOF
      // (the writer's `using` closed its socket gracefully).
      const received = yield* peer2.readAll();
      expect(received.length).toBe(completed * 1024 * 1024);
      peer2.close();
      listener.close();
    });
    expect(await settle(() => countResources(SOCKETS) === before)).toBe(true);
  });
});

/** The task's final state once it has completed. */
function* joinState(task: { state: string } & Iterable<unknown>): Coroutine<string> {
  try {
    yield* task as unknown as Coroutine<unknown>;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
  }
  return task.state;
}

function* settleIn(check: () => boolean): Coroutine<boolean> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return true;
    yield* sleep(1);
  }
  return check();
}

function* tryWrite(conn: TcpStream): Coroutine<string> {
  try {
    yield* conn.write("more");
    return "wrote";
  } catch (e) {
    return `${(e as { code: string }).code}: ${(e as Error).message}`;
  }
}

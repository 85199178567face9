/**
 * Plain TCP sockets are read into one buffer that every socket shares (Node's `onread`, see
 * src/net/node-transport.ts); each read's bytes are copied out before the next read. These tests
 * would catch a chunk that still pointed into the shared buffer: slow readers keep every chunk
 * they were handed while later reads of their own and other connections arrive, and check the
 * bytes only at the end, against a pattern that differs per connection and per offset. The
 * sender is a real Python process, in both directions (accepted sockets and `connect`). Last,
 * writes that complete inline (without suspending) keep the executor's cooperation budget.
 */
import { type Coroutine, call, run, sleep, spawn } from "corio";
import { connect, listen, type NetAddress, type TcpStream } from "corio/net";
import { describe, expect, it } from "vitest";
import { fixture, foreign } from "./io-helpers.js";

const CONNS = 4;
const BYTES = 1 << 20;

/** What io-pattern-peer.py sends on connection k, after the byte k. */
function pattern(k: number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 11) + k * 97) & 255;
  return b;
}

/** A small deterministic random source, so a failure replays. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * Reads a connection to its end slowly and in mixed sizes (read with a limit, readExact),
 * sleeping now and then so that bytes pile up and reading stops and restarts; keeps every chunk
 * and only then checks them all. Returns the index of the first wrong byte, or -1.
 */
function* slowReader(conn: TcpStream, seed: number): Coroutine<{ k: number; bad: number }> {
  const next = random(seed);
  const chunks: Buffer[] = [];
  const first = yield* conn.readExact(1);
  const k = first[0] as number;
  let total = 0;
  for (let op = 0; ; op++) {
    if (op % 16 === 0) yield* sleep(1);
    if (total < BYTES - 5000 && next() < 0.3) {
      const exact = yield* conn.readExact(1 + Math.floor(next() * 5000));
      chunks.push(exact);
      total += exact.length;
      continue;
    }
    const chunk = yield* conn.read(next() < 0.5 ? 1 + Math.floor(next() * 3000) : undefined);
    if (chunk === null) break;
    chunks.push(chunk);
    total += chunk.length;
  }
  const got = Buffer.concat(chunks);
  const want = pattern(k, BYTES);
  let bad = got.length === want.length ? -1 : Math.min(got.length, want.length);
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    if (got[i] !== want[i]) {
      bad = i;
      break;
    }
  }
  return { k, bad };
}

describe("corio/net TCP: reads through the shared read buffer", () => {
  it("accepted connections: slow readers keep every chunk intact across bursts (Python sender)", async () => {
    const results = await run(function* () {
      using listener = yield* listen({ host: "127.0.0.1", port: 0 });
      const { port } = listener.address as NetAddress;
      const sender = foreign("python3", [
        fixture("io-pattern-peer.py"),
        "send",
        "127.0.0.1",
        String(port),
        String(CONNS),
        String(BYTES),
      ]);
      const readers = [];
      for (let i = 0; i < CONNS; i++) {
        const conn = yield* listener.accept();
        readers.push(
          spawn(function* () {
            using c = conn;
            return yield* slowReader(c, i + 1);
          }),
        );
      }
      const results = [];
      for (const r of readers) results.push(yield* r);
      const out = yield* call(sender.done);
      expect(out.stderr).toBe("");
      expect(out.stdout).toBe("done\n");
      return results;
    });
    expect(results.map((r) => r.k).sort()).toEqual([0, 1, 2, 3]);
    expect(results.map((r) => r.bad)).toEqual([-1, -1, -1, -1]);
  }, 60_000);

  it("connected streams: slow readers keep every chunk intact across bursts (Python server)", async () => {
    const results = await run(function* () {
      const server = foreign("python3", [
        fixture("io-pattern-peer.py"),
        "serve",
        String(CONNS),
        String(BYTES),
      ]);
      const port = Number(yield* call(server.line()));
      const conns: TcpStream[] = [];
      for (let i = 0; i < CONNS; i++) conns.push(yield* connect({ host: "127.0.0.1", port }));
      const readers = conns.map((conn, i) =>
        spawn(function* () {
          using c = conn;
          return yield* slowReader(c, 100 + i);
        }),
      );
      const results = [];
      for (const r of readers) results.push(yield* r);
      const out = yield* call(server.done);
      expect(out.stderr).toBe("");
      return results;
    });
    expect(results.map((r) => r.k).sort()).toEqual([0, 1, 2, 3]);
    expect(results.map((r) => r.bad)).toEqual([-1, -1, -1, -1]);
  }, 60_000);

  it("a reader that stops after one read holds the sender back with a bounded read-ahead", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      using client = yield* connect(listener.address as NetAddress);
      using peer = yield* listener.accept();
      let sent = 0;
      const sender = spawn(function* () {
        for (;;) {
          yield* client.write(Buffer.alloc(1000, 1)); // small messages: a burst per read
          sent += 1000;
        }
      });
      const first = yield* peer.read(); // one read, then no more
      // Until the sender is stuck: blocked, and no byte sent for 100 turns in a row.
      for (let i = 0, still = 0, last = -1; i < 5_000 && still < 100; i++) {
        still = client.statistics().writeBlocked && sent === last ? still + 1 : 0;
        last = sent;
        yield* sleep(1);
      }
      const blocked = client.statistics().writeBlocked;
      sender.cancel();
      return { first: first?.length ?? 0, blocked, sent, buffered: peer.statistics().buffered };
    });
    expect(got.first).toBeGreaterThan(0);
    expect(got.blocked).toBe(true);
    expect(got.sent).toBeLessThan(64 * 1024 * 1024);
    // The read-ahead (16 KiB) plus at most one read of up to 64 KiB.
    expect(got.buffered).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
  });

  it("a connected stream that is never read takes nothing from the peer", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      using client = yield* connect(listener.address as NetAddress); // never reads
      using peer = yield* listener.accept();
      let sent = 0;
      const sender = spawn(function* () {
        for (;;) {
          yield* peer.write(Buffer.alloc(64 * 1024));
          sent += 64 * 1024;
        }
      });
      for (let i = 0; i < 10_000 && !peer.statistics().writeBlocked; i++) yield* sleep(1);
      const blocked = peer.statistics().writeBlocked;
      sender.cancel();
      return { blocked, sent, buffered: client.statistics().buffered };
    });
    expect(got.blocked).toBe(true);
    expect(got.sent).toBeLessThan(64 * 1024 * 1024);
    expect(got.buffered).toBe(0);
  });
});

describe("corio/net TCP: writes that complete inline", () => {
  it("a task writing without ever waiting still lets the other tasks run", async () => {
    const got = await run(function* () {
      using listener = yield* listen({ port: 0 });
      using client = yield* connect(listener.address as NetAddress);
      using peer = yield* listener.accept();
      let written = 0;
      let seenByTicker = -1;
      const reader = spawn(function* () {
        let n = 0;
        while (n < 10_000) n += (yield* peer.read())?.length ?? 10_000;
        return n;
      });
      const ticker = spawn(function* () {
        seenByTicker = written;
      });
      // One byte at a time: the kernel takes each at once, so no write ever waits.
      for (let i = 0; i < 10_000; i++) {
        yield* client.write("x");
        written++;
      }
      yield* ticker;
      return { seenByTicker, received: yield* reader };
    });
    expect(got.seenByTicker).toBeGreaterThanOrEqual(0);
    expect(got.seenByTicker).toBeLessThan(10_000); // the ticker ran while the writes went on
    expect(got.received).toBe(10_000);
  });
});

/**
 * The transport seam: the same user code over Node's sockets and over MemoryNetwork, an
 * in-memory transport that follows the virtual clock (so a 5-second connect timeout to a
 * black-holed host takes no real time and ends at exactly t = 5000).
 */
import { type Coroutine, now, spawn } from "corio";
import {
  connect,
  listen,
  MemoryNetwork,
  type NetAddress,
  nodeTransport,
  type TcpStream,
  type Transport,
  udp,
  withTransport,
} from "corio/net";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

/** User code: knows nothing about transports. */
function* upperServerAndClient(host: string): Coroutine<string[]> {
  using listener = yield* listen({ host, port: 0 });
  const { port } = listener.address as NetAddress;
  const server = spawn(() =>
    listener.serve(function* (conn: TcpStream) {
      for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
        yield* conn.write(`${line.toUpperCase()}\n`);
      }
    }),
  );
  using conn = yield* connect({ host, port });
  const replies: string[] = [];
  for (const word of ["alpha", "beta", "gamma"]) {
    yield* conn.write(`${word}\n`);
    replies.push((yield* conn.readLine()) ?? "");
  }
  yield* conn.shutdown();
  listener.close();
  yield* server;
  return replies;
}

describe("corio/net over a Transport", () => {
  it("runs the same code over Node's sockets and over MemoryNetwork", async () => {
    const transports: [string, Transport, string][] = [
      ["node", nodeTransport, "127.0.0.1"],
      ["memory", new MemoryNetwork(), "server.test"],
    ];
    for (const [name, transport, host] of transports) {
      const replies = await runTest(() =>
        withTransport(transport, () => upperServerAndClient(host)),
      );
      expect(replies, name).toEqual(["ALPHA", "BETA", "GAMMA"]);
    }
  });

  it("a connect timeout to a black-holed host follows the virtual clock exactly", async () => {
    const network = new MemoryNetwork();
    network.blackhole("10.9.9.9");
    const got = await runTest(() =>
      withTransport(network, function* () {
        const start = now();
        try {
          yield* connect({ host: "10.9.9.9", port: 80, timeout: 5000 });
        } catch (e) {
          return { elapsed: now() - start, code: (e as NodeJS.ErrnoException).code };
        }
        return null;
      }),
    );
    expect(got).toEqual({ elapsed: 5000, code: "ETIMEDOUT" });
  });

  it("refused, address in use, and addresses, in memory", async () => {
    const got = await runTest(() =>
      withTransport(new MemoryNetwork(), function* () {
        const out: string[] = [];
        try {
          yield* connect({ host: "nobody", port: 1 });
        } catch (e) {
          out.push((e as Error).message);
        }
        using l = yield* listen({ host: "db", port: 5432 });
        try {
          yield* listen({ host: "db", port: 5432 });
        } catch (e) {
          out.push((e as NodeJS.ErrnoException).code ?? "");
        }
        using c = yield* connect({ host: "db", port: 5432 });
        using s = yield* l.accept();
        return { out, local: s.localAddress, remote: c.remoteAddress };
      }),
    );
    expect(got.out).toEqual([
      "connect to nobody:1 failed: connection refused (ECONNREFUSED)",
      "EADDRINUSE",
    ]);
    expect(got.local).toEqual({ host: "db", port: 5432 });
    expect(got.remote).toEqual({ host: "db", port: 5432 });
  });

  it("flow control in memory: a writer blocks at the high-water mark until the reader reads", async () => {
    const got = await runTest(() =>
      withTransport(new MemoryNetwork(), function* () {
        using l = yield* listen({ host: "h", port: 1 });
        using c = yield* connect({ host: "h", port: 1 });
        using s = yield* l.accept();
        let sent = 0;
        const writer = spawn(function* () {
          for (let i = 0; i < 64; i++) {
            yield* c.write(Buffer.alloc(16 * 1024, i));
            sent++;
          }
          yield* c.shutdown();
        });
        yield* waitIdle();
        const blockedAfter = sent;
        const all = yield* s.readAll();
        yield* writer;
        return { blockedAfter, total: all.length, last: all[all.length - 1] };
      }),
    );
    expect(got.blockedAfter).toBe(4); // 64 KiB high-water mark / 16 KiB writes
    expect(got.total).toBe(64 * 16 * 1024);
    expect(got.last).toBe(63);
  });

  it("half-close, reset and UDP in memory", async () => {
    const got = await runTest(() =>
      withTransport(new MemoryNetwork(), function* () {
        using l = yield* listen({ host: "h", port: 1 });
        using c = yield* connect({ host: "h", port: 1 });
        using s = yield* l.accept();
        yield* c.write("req");
        yield* c.shutdown();
        const req = (yield* s.readAll()).toString();
        yield* s.write("resp");
        s.close();
        const resp = (yield* c.readAll()).toString();

        using c2 = yield* connect({ host: "h", port: 1 });
        using s2 = yield* l.accept();
        const reading = spawn(function* () {
          try {
            return yield* s2.read();
          } catch (e) {
            return (e as NodeJS.ErrnoException).code;
          }
        });
        yield* waitIdle();
        c2.abort();
        const reset = yield* reading;

        using a = yield* udp.bind({ host: "a", port: 53 });
        using b = yield* udp.bind({ host: "b", port: 0 });
        yield* b.send("query", a.address);
        const d = yield* a.recv();
        return { req, resp, reset, dgram: d.data.toString(), from: d.address.host };
      }),
    );
    expect(got).toEqual({
      req: "req",
      resp: "resp",
      reset: "ECONNRESET",
      dgram: "query",
      from: "b",
    });
  });
});

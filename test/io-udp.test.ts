/** corio/net UDP: udp.bind, send, recv, over loopback (IPv4 and IPv6) and with a foreign peer. */
import { call, run, sleep, spawn } from "corio";
import { udp } from "corio/net";
import { waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";
import { countResources, foreign, settle } from "./io-helpers.js";

describe("corio/net UDP", () => {
  it("sends and receives datagrams with the sender's address, over IPv4 and IPv6", async () => {
    const got = await run(function* () {
      const out = [];
      for (const host of ["127.0.0.1", "::1"]) {
        using a = yield* udp.bind({ host, port: 0 });
        using b = yield* udp.bind({ host, port: 0 });
        yield* a.send("ping", b.address);
        const first = yield* b.recv();
        yield* b.send(Buffer.from("pong"), first.address);
        const second = yield* a.recv();
        out.push({
          first: first.data.toString(),
          from: first.address,
          second: second.data.toString(),
          a: a.address,
        });
      }
      return out;
    });
    for (const r of got) {
      expect(r.first).toBe("ping");
      expect(r.from).toEqual(r.a);
      expect(r.second).toBe("pong");
    }
    expect(got[1]?.a.host).toBe("::1");
  });

  it("echoes 100 datagrams for a Python client, each checked", async () => {
    const script = `
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
ok = 0
for i in range(100):
    msg = f"datagram {i}".encode()
    s.sendto(msg, ("127.0.0.1", port))
    data, _ = s.recvfrom(2048)
    ok += data == msg.upper()
print(ok)
`;
    const ok = await run(function* () {
      using socket = yield* udp.bind({ host: "127.0.0.1", port: 0 });
      const server = spawn(function* () {
        for (;;) {
          const { data, address } = yield* socket.recv();
          yield* socket.send(data.toString().toUpperCase(), address);
        }
      });
      const client = foreign("python3", ["-c", script, String(socket.address.port)]);
      const out = yield* call(client.done);
      server.cancel();
      return out.stdout.trim();
    });
    expect(ok).toBe("100");
  });

  it("a cancelled recv takes no datagram; a full queue drops and counts", async () => {
    const got = await run(function* () {
      using rx = yield* udp.bind({ host: "127.0.0.1", port: 0, queue: 4 });
      using tx = yield* udp.bind({ host: "127.0.0.1", port: 0 });
      const waiting = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      waiting.cancel();
      for (let i = 0; i < 10; i++) yield* tx.send(`m${i}`, rx.address);
      for (let i = 0; i < 1000; i++) {
        const s = rx.statistics();
        if (s.queued + s.dropped === 10) break;
        yield* sleep(1);
      }
      const stats = rx.statistics();
      const first = (yield* rx.recv()).data.toString();
      return { state: waiting.state, stats, first };
    });
    expect(got.state).toBe("cancelled");
    expect(got.stats).toEqual({ queued: 4, dropped: 6, closed: false });
    expect(got.first).toBe("m0");
  });

  it("close() fails a waiting recv (ERR_SOCKET_CLOSED); binding a port in use is EADDRINUSE", async () => {
    await settle(() => countResources(/UDP/) === 0); // the earlier tests' sockets are gone
    const got = await run(function* () {
      const socket = yield* udp.bind({ host: "127.0.0.1", port: 0 });
      const waiting = spawn(function* () {
        try {
          yield* socket.recv();
          return "received";
        } catch (e) {
          return (e as NodeJS.ErrnoException).code;
        }
      });
      yield* waitIdle();
      socket.close();
      const closed = yield* waiting;
      using taken = yield* udp.bind({ host: "127.0.0.1", port: 0 });
      let inUse = "";
      try {
        yield* udp.bind({ host: "127.0.0.1", port: taken.address.port });
      } catch (e) {
        inUse = `${(e as NodeJS.ErrnoException).code} ${(e as Error).message}`;
      }
      return { closed, inUse, port: taken.address.port };
    });
    expect(got.closed).toBe("ERR_SOCKET_CLOSED");
    expect(got.inUse).toMatch(
      new RegExp(`^EADDRINUSE bind udp 127\\.0\\.0\\.1:${got.port} failed`),
    );
    expect(await settle(() => countResources(/UDP/) === 0)).toBe(true); // no handle left
  });
});

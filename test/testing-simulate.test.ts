/**
 * `simulate`: hosts reachable by name over a simulated network on the virtual
 * clock, with latency, partitions, UDP loss, crashes and restarts — and every
 * operation's promise and bad input.
 */
import { type Coroutine, now, sleep, spawn } from "corio";
import { connect, listen, type NetAddress, type TcpStream, udp } from "corio/net";
import { HostCrashed, type Sim, simulate } from "corio/testing";
import { describe, expect, it } from "vitest";

/** Echoes each line back in upper case, forever. */
function* upperServer(port = 80): Coroutine<void> {
  using listener = yield* listen({ host: "0.0.0.0", port });
  yield* listener.serve(function* (conn: TcpStream) {
    for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
      yield* conn.write(`${line.toUpperCase()}\n`);
    }
  });
}

/** One request/response; the time it took. */
function* roundTrip(conn: TcpStream, text: string): Coroutine<[string | null, number]> {
  const start = now();
  yield* conn.write(`${text}\n`);
  const reply = yield* conn.readLine();
  return [reply, now() - start];
}

function codeOf(error: unknown): unknown {
  let e = error as { code?: unknown; cause?: unknown } | undefined;
  while (e !== undefined && e !== null) {
    if (e.code !== undefined) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

describe("simulate: hosts and names", () => {
  it("reaches a host by name and by address; the body runs as host 'main'", async () => {
    const seen = await simulate(
      function* (sim) {
        sim.host("server", () => upperServer());
        using conn = yield* connect({ host: "server", port: 80 });
        const [reply] = yield* roundTrip(conn, "hello");
        using byIp = yield* connect({ host: "10.0.0.2", port: 80 });
        const [reply2] = yield* roundTrip(byIp, "again");
        return { reply, reply2, local: conn.localAddress, remote: conn.remoteAddress };
      },
      { seed: 1 },
    );
    expect(seen.reply).toBe("HELLO");
    expect(seen.reply2).toBe("AGAIN");
    expect((seen.local as NetAddress).host).toBe("10.0.0.1");
    expect(seen.remote).toEqual({ host: "10.0.0.2", port: 80 });
  });

  it("a host's listen and connect act as that host: its own ports, its own name", async () => {
    await simulate(
      function* (sim) {
        // Two hosts may both use port 80: ports belong to a host.
        sim.host("a", () => upperServer(80));
        sim.host("b", function* () {
          using l = yield* listen({ host: "b", port: 80 });
          expect(l.address).toEqual({ host: "10.0.0.3", port: 80 });
          using conn = yield* l.accept();
          yield* conn.write(`from ${(conn.remoteAddress as NetAddress).host}\n`);
          yield* sleep(1000);
        });
        sim.host("c", function* () {
          using conn = yield* connect({ host: "b", port: 80 });
          expect(yield* conn.readLine()).toBe("from 10.0.0.4"); // c's own address
        });
        yield* sleep(1);
        using conn = yield* connect({ host: "a", port: 80 });
        expect((yield* roundTrip(conn, "x"))[0]).toBe("X");
      },
      { seed: 2 },
    );
  });

  it("an unknown host fails with ENOTFOUND as Node's resolver does", async () => {
    const error = await simulate(function* () {
      try {
        yield* connect({ host: "nowhere", port: 80 });
      } catch (e) {
        return e as Error & { code?: string };
      }
      throw new Error("connected to nowhere");
    });
    expect(error.code).toBe("ENOTFOUND");
    expect(error.message).toContain("nowhere");
  });

  it("a port in use on a host is EADDRINUSE; another host's name is EADDRNOTAVAIL", async () => {
    const codes = await simulate(function* (sim) {
      sim.host("db", () => upperServer(5432));
      const task = sim.host("db2", function* () {
        const out: unknown[] = [];
        using first = yield* listen({ host: "0.0.0.0", port: 5432 }); // free on db2
        expect(first.address).toEqual({ host: "0.0.0.0", port: 5432 });
        for (const host of ["db2", "db"]) {
          try {
            yield* listen({ host, port: 5432 });
          } catch (e) {
            out.push(codeOf(e));
          }
        }
        return out;
      });
      return yield* task;
    });
    expect(codes).toEqual(["EADDRINUSE", "EADDRNOTAVAIL"]);
  });

  it("connecting to a port nobody listens on is refused after a round trip", async () => {
    const [code, took] = await simulate(function* (sim) {
      sim.host("server", function* () {
        yield* sleep(10_000);
      });
      sim.latency(30);
      const start = now();
      try {
        yield* connect({ host: "server", port: 81 });
      } catch (e) {
        return [codeOf(e), now() - start];
      }
      return [null, 0];
    });
    expect(code).toBe("ECONNREFUSED");
    expect(took).toBe(60);
  });

  it("bad input: a taken or malformed host name, unknown hosts, loss outside 0-1, bad latency", async () => {
    await simulate(function* (sim) {
      sim.host("x", function* () {});
      expect(() => sim.host("x", function* () {})).toThrow(/already exists/);
      expect(() => sim.host("", function* () {})).toThrow(TypeError);
      expect(() => sim.crash("ghost")).toThrow(/no host named "ghost"/);
      expect(() => sim.restart("ghost")).toThrow(/no host named "ghost"/);
      expect(() => sim.partition("x", "ghost")).toThrow(/no host named "ghost"/);
      expect(() => sim.latency(5, "ghost")).toThrow(/no host named "ghost"/);
      expect(() => sim.loss(1.5)).toThrow(RangeError);
      expect(() => sim.loss(-0.1)).toThrow(/between 0 and 1/);
      expect(() => sim.loss(Number.NaN)).toThrow(RangeError);
      expect(() => sim.latency(-1)).toThrow(TypeError);
      expect(() => sim.latency({ min: 5, max: 1 })).toThrow(TypeError);
      expect(() => sim.partition("x", "x")).toThrow(/itself/);
    });
  });
});

describe("simulate: latency", () => {
  it("a round trip takes twice the one-way delay, on the virtual clock", async () => {
    const times = await simulate(function* (sim) {
      sim.host("server", () => upperServer());
      sim.latency(25);
      const start = now();
      using conn = yield* connect({ host: "server", port: 80 });
      const connected = now() - start;
      const [, rtt] = yield* roundTrip(conn, "ping");
      sim.latency(100, "main", "server"); // a pair overrides the default, both ways
      const [, slow] = yield* roundTrip(conn, "ping");
      return { connected, rtt, slow };
    });
    expect(times).toEqual({ connected: 50, rtt: 50, slow: 200 });
  });

  it("a range draws each delay from the seed, within it, and keeps the stream in order", async () => {
    const run = (seed: number) =>
      simulate(
        function* (sim) {
          sim.host("server", () => upperServer());
          sim.latency({ min: 5, max: 50 });
          using conn = yield* connect({ host: "server", port: 80 });
          const rtts: number[] = [];
          for (let i = 0; i < 5; i++) {
            const [reply, rtt] = yield* roundTrip(conn, `m${i}`);
            expect(reply).toBe(`M${i}`);
            rtts.push(rtt);
          }
          return rtts;
        },
        { seed },
      );
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    for (const rtt of a) {
      expect(rtt).toBeGreaterThanOrEqual(10);
      expect(rtt).toBeLessThanOrEqual(100);
    }
  });
});

describe("simulate: partitions", () => {
  it("holds TCP bytes during a partition and delivers them, in order, after repair", async () => {
    const replies = await simulate(function* (sim) {
      sim.host("server", () => upperServer());
      using conn = yield* connect({ host: "server", port: 80 });
      sim.partition("main", "server");
      yield* conn.write("one\ntwo\n");
      const reader = spawn(function* () {
        const a = yield* conn.readLine();
        return [a, yield* conn.readLine(), now()];
      });
      yield* sleep(5_000);
      expect(reader.isComplete).toBe(false); // nothing got through
      sim.repair("main", "server");
      return yield* reader;
    });
    expect(replies).toEqual(["ONE", "TWO", 5_000]);
  });

  it("drops UDP datagrams while partitioned, delivers them after repair", async () => {
    const got = await simulate(function* (sim) {
      const received: string[] = [];
      sim.host("sink", function* () {
        using sock = yield* udp.bind({ host: "0.0.0.0", port: 9 });
        for (;;) received.push((yield* sock.recv()).data.toString());
      });
      using sock = yield* udp.bind({ host: "0.0.0.0", port: 0 });
      yield* sleep(1);
      sim.partition("main", "sink");
      yield* sock.send("lost", { host: "sink", port: 9 });
      yield* sleep(10);
      sim.repair("main", "sink");
      yield* sock.send("kept", { host: "sink", port: 9 });
      yield* sleep(10);
      return received;
    });
    expect(got).toEqual(["kept"]);
  });
});

describe("simulate: loss", () => {
  it("loses about the given share of datagrams, the same ones for the same seed", async () => {
    const run = (seed: number) =>
      simulate(
        function* (sim) {
          const received: number[] = [];
          sim.host("sink", function* () {
            using sock = yield* udp.bind({ host: "0.0.0.0", port: 9 });
            for (;;) received.push(Number((yield* sock.recv()).data.toString()));
          });
          sim.loss(0.3);
          yield* sleep(1);
          using sock = yield* udp.bind({ host: "0.0.0.0", port: 0 });
          for (let i = 0; i < 1000; i++) yield* sock.send(String(i), { host: "sink", port: 9 });
          yield* sleep(10);
          return received;
        },
        { seed },
      );
    const a = await run(3);
    expect(a.length).toBeGreaterThan(600);
    expect(a.length).toBeLessThan(800);
    expect(await run(3)).toEqual(a);
  });

  it("TCP is not affected by loss", async () => {
    const reply = await simulate(function* (sim) {
      sim.host("server", () => upperServer());
      sim.loss(1);
      using conn = yield* connect({ host: "server", port: 80 });
      return (yield* roundTrip(conn, "still"))[0];
    });
    expect(reply).toBe("STILL");
  });
});

describe("simulate: crash and restart", () => {
  it("a crash drops the host's tasks without running finally; peers see ECONNRESET", async () => {
    const seen = await simulate(function* (sim) {
      const log: string[] = [];
      const server = sim.host("server", function* () {
        try {
          yield* upperServer();
        } finally {
          log.push("finally ran"); // must not happen on a power cut
        }
      });
      sim.latency(10);
      using conn = yield* connect({ host: "server", port: 80 });
      yield* roundTrip(conn, "before");
      sim.crash("server");
      let code: unknown = null;
      try {
        yield* conn.readLine();
      } catch (e) {
        code = codeOf(e);
      }
      let joined: unknown = null;
      try {
        yield* server;
      } catch (e) {
        joined = e;
      }
      return { log, code, at: now(), joined, state: server.state };
    });
    expect(seen.log).toEqual([]);
    expect(seen.code).toBe("ECONNRESET");
    expect(seen.at).toBe(50); // connect 20, round trip 20, the reset's one way 10
    expect(seen.state).toBe("cancelled");
    expect((seen.joined as { reason?: unknown }).reason).toBeInstanceOf(HostCrashed);
  });

  it("a crashed host answers nothing until restarted; restart runs its body again", async () => {
    const seen = await simulate(function* (sim) {
      let starts = 0;
      sim.host("server", function* () {
        starts++;
        yield* upperServer();
      });
      yield* sleep(1);
      sim.crash("server");
      let code: unknown = null;
      try {
        yield* connect({ host: "server", port: 80, timeout: 3_000 });
      } catch (e) {
        code = codeOf(e);
      }
      const restarted = sim.restart("server");
      yield* sleep(1);
      using conn = yield* connect({ host: "server", port: 80 });
      const [reply] = yield* roundTrip(conn, "back");
      return { code, reply, starts, at: now(), running: !restarted.isComplete };
    });
    expect(seen).toEqual({ code: "ETIMEDOUT", reply: "BACK", starts: 2, at: 3_002, running: true });
  });

  it("a host cannot crash itself from its own task", async () => {
    const error = await simulate(function* (sim: Sim) {
      const t = sim.host("self", function* () {
        sim.crash("self");
      });
      try {
        yield* t;
      } catch (e) {
        return e as Error;
      }
      return null;
    });
    expect(error?.message).toMatch(/from a task of "self" itself/);
  });
});

describe("simulate: errors name the seed", () => {
  it("wraps a failure with the seed and keeps the original as cause", async () => {
    const original = new Error("boom");
    const error = (await simulate(
      function* () {
        throw original;
      },
      { seed: 1234 },
    ).catch((e) => e)) as Error & { seed?: number };
    expect(error.message).toContain("seed 1234");
    expect(error.message).toContain("CORIO_SEED=1234");
    expect(error.message).toContain("boom");
    expect(error.cause).toBe(original);
    expect(error.seed).toBe(1234);
  });

  it("CORIO_SEED picks the seed when none is given", async () => {
    const saved = process.env.CORIO_SEED;
    process.env.CORIO_SEED = "77";
    try {
      const seed = await simulate(function* (sim) {
        return sim.seed;
      });
      expect(seed).toBe(77);
    } finally {
      if (saved === undefined) delete process.env.CORIO_SEED;
      else process.env.CORIO_SEED = saved;
    }
  });

  it("rejects a bad seed", async () => {
    await expect(simulate(function* () {}, { seed: -1 })).rejects.toThrow(TypeError);
  });
});

describe("simulate: more of the promises", () => {
  it("a crash drops the host's child tasks too, with no finally anywhere", async () => {
    const seen = await simulate(function* (sim) {
      const log: string[] = [];
      let child: { isComplete: boolean; state: string } | null = null;
      sim.host("box", function* () {
        child = spawn(function* () {
          try {
            yield* sleep(60_000);
          } finally {
            log.push("child finally");
          }
        });
        try {
          yield* sleep(60_000);
        } finally {
          log.push("body finally");
        }
      });
      yield* sleep(10);
      sim.crash("box");
      yield* sleep(120_000);
      return { log, child: (child as unknown as { state: string }).state };
    });
    expect(seen).toEqual({ log: [], child: "cancelled" });
  });

  it("waiting forever on a partition that is never repaired is a DeadlockError, with the seed", async () => {
    const error = (await simulate(
      function* (sim) {
        sim.host("server", () => upperServer());
        using conn = yield* connect({ host: "server", port: 80 });
        sim.partition("main", "server");
        yield* conn.write("hello\n");
        return yield* conn.readLine();
      },
      { seed: 5 },
    ).catch((e) => e)) as Error;
    expect(error.message).toContain("seed 5");
    expect((error.cause as Error).name).toBe("DeadlockError");
  });

  it("a datagram says which host sent it; an unknown destination is ENOTFOUND", async () => {
    const seen = await simulate(function* (sim) {
      const from = sim.host("echo", function* () {
        using sock = yield* udp.bind({ host: "0.0.0.0", port: 9 });
        const d = yield* sock.recv();
        yield* sock.send(d.data, d.address);
        return d.address.host;
      });
      yield* sleep(1);
      using sock = yield* udp.bind({ host: "0.0.0.0", port: 0 });
      yield* sock.send("x", { host: "echo", port: 9 });
      const back = yield* sock.recv();
      let code: unknown = null;
      try {
        yield* sock.send("x", { host: "ghost", port: 9 });
      } catch (e) {
        code = codeOf(e);
      }
      return { sender: yield* from, backFrom: back.address, code };
    });
    expect(seen).toEqual({
      sender: "10.0.0.1",
      backFrom: { host: "10.0.0.2", port: 9 },
      code: "ENOTFOUND",
    });
  });

  it("a host that finishes its body stays reachable by name but refuses connections", async () => {
    const code = await simulate(function* (sim) {
      yield* sim.host("idle", function* () {});
      try {
        yield* connect({ host: "idle", port: 1 });
      } catch (e) {
        return codeOf(e);
      }
      return null;
    });
    expect(code).toBe("ECONNREFUSED");
  });
});

describe("simulate: what it refuses and what it reports", () => {
  it("Unix domain sockets and TLS are refused with a clear error, not a real socket", async () => {
    const messages = await simulate(function* (sim) {
      sim.host("server", () => upperServer());
      const out: string[] = [];
      for (const attempt of [
        () => connect({ path: "/tmp/corio-sim.sock" }),
        () => listen({ path: "/tmp/corio-sim.sock" }),
        () => connect({ host: "server", port: 80, tls: {} }),
      ]) {
        try {
          yield* attempt();
        } catch (e) {
          out.push((e as Error).message);
        }
      }
      return out;
    });
    expect(messages).toHaveLength(3);
    for (const m of messages) expect(m).toMatch(/not simulated/);
  });

  it("an error thrown by a host's body fails the simulation, naming the seed", async () => {
    const error = (await simulate(
      function* (sim) {
        sim.host("flaky", function* () {
          yield* sleep(5);
          throw new Error("disk on fire");
        });
        yield* sleep(1_000);
      },
      { seed: 99 },
    ).catch((e) => e)) as Error;
    expect(error.message).toMatch(/seed 99.*disk on fire/);
  });

  it("restart of a running host crashes it first (no finally) and starts its body again", async () => {
    const seen = await simulate(function* (sim) {
      const log: string[] = [];
      let run = 0;
      const first = sim.host("svc", function* () {
        const me = ++run;
        log.push(`start ${me}`);
        try {
          yield* upperServer();
        } finally {
          log.push(`finally ${me}`);
        }
      });
      yield* sleep(1);
      const second = sim.restart("svc");
      yield* sleep(1);
      using conn = yield* connect({ host: "svc", port: 80 }); // the port was freed by the crash
      const [reply] = yield* roundTrip(conn, "ok");
      return { log: [...log], reply, first: first.state, secondRunning: !second.isComplete };
    });
    expect(seen).toEqual({
      log: ["start 1", "start 2"],
      reply: "OK",
      first: "cancelled",
      secondRunning: true,
    });
  });
});

describe("simulate: per-host and per-pair settings, seeded draws, the trace", () => {
  it("latency of one host applies to its links only; loss of one pair to that pair only", async () => {
    const seen = await simulate(function* (sim) {
      sim.host("near", () => upperServer());
      sim.host("far", () => upperServer());
      sim.latency(40, "far");
      using near = yield* connect({ host: "near", port: 80 });
      using far = yield* connect({ host: "far", port: 80 });
      const [, nearRtt] = yield* roundTrip(near, "a");
      const [, farRtt] = yield* roundTrip(far, "b");

      const got: string[] = [];
      for (const name of ["sinkA", "sinkB"])
        sim.host(name, function* () {
          using sock = yield* udp.bind({ host: "0.0.0.0", port: 9 });
          for (;;) got.push(`${name}:${(yield* sock.recv()).data.toString()}`);
        });
      sim.loss(1, "main", "sinkA");
      yield* sleep(1);
      using sock = yield* udp.bind({ host: "0.0.0.0", port: 0 });
      yield* sock.send("1", { host: "sinkA", port: 9 });
      yield* sock.send("2", { host: "sinkB", port: 9 });
      yield* sleep(1);
      sim.loss(1, "sinkB"); // every link of sinkB
      sim.loss(0, "main", "sinkA"); // the pair is more specific than the default
      yield* sock.send("3", { host: "sinkA", port: 9 });
      yield* sock.send("4", { host: "sinkB", port: 9 });
      yield* sleep(1);
      return { nearRtt, farRtt, got };
    });
    expect(seen).toEqual({ nearRtt: 0, farRtt: 80, got: ["sinkB:2", "sinkA:3"] });
  });

  it("sim.random() and sim.events replay with the seed; faults are in the trace", async () => {
    const run = (seed: number) =>
      simulate(
        function* (sim) {
          const draws = [sim.random(), sim.random(), sim.random()];
          sim.host("server", () => upperServer());
          sim.latency({ min: 1, max: 9 });
          using conn = yield* connect({ host: "server", port: 80 });
          sim.partition("main", "server");
          yield* conn.write("x\n");
          yield* sleep(draws[0] as number);
          sim.repair("main", "server");
          yield* conn.readLine();
          return { draws, events: [...sim.events] };
        },
        { seed },
      );
    const a = await run(21);
    expect(await run(21)).toEqual(a);
    const b = await run(22);
    expect(b.draws).not.toEqual(a.draws);
    for (const d of a.draws) expect(d >= 0 && d < 1).toBe(true);
    expect(a.events.some((e) => e.endsWith("partition main|server"))).toBe(true);
    expect(a.events.some((e) => e.endsWith("repair main|server"))).toBe(true);
    expect(a.events.some((e) => / main>server data 2$/.test(e))).toBe(true);
  });
});

describe("simulate: a connect that gave up", () => {
  it("a SYN held by a partition is accepted after repair, and the server's end is reset", async () => {
    const seen = await simulate(function* (sim) {
      let serverSaw: unknown = "nothing";
      sim.host("server", function* () {
        using listener = yield* listen({ host: "0.0.0.0", port: 80 });
        using conn = yield* listener.accept();
        try {
          serverSaw = yield* conn.read();
        } catch (e) {
          serverSaw = codeOf(e);
        }
      });
      sim.latency(5);
      yield* sleep(1);
      sim.partition("main", "server");
      let clientSaw: unknown = null;
      try {
        yield* connect({ host: "server", port: 80, timeout: 1_000 });
      } catch (e) {
        clientSaw = codeOf(e);
      }
      sim.repair("main", "server");
      yield* sleep(100);
      return { clientSaw, serverSaw };
    });
    expect(seen).toEqual({ clientSaw: "ETIMEDOUT", serverSaw: "ECONNRESET" });
  });
});

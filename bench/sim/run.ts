/**
 * How fast the simulation runs, in wall time.
 *
 * 1. TCP round trips per second of wall time: a client writes a line, a
 *    server on another host echoes it, the client reads it — n times on one
 *    connection. The same corio code over:
 *      - `simulate` (latency 0, and 5 ms one way: virtual time, so the delay
 *        costs timers, not waiting),
 *      - `MemoryNetwork` under `runTest` (the in-memory transport, no links),
 *      - real loopback sockets (`run`, Node's sockets),
 *    next to native async/await over `node:net` loopback, in the same run.
 * 2. Seeds per second `explore` runs for the chat example (examples/chat-simulation.ts:
 *    the chat server and 3 clients on 4 hosts, random delays 1-20 ms).
 *
 * Rounds alternate between the variants in one process (after a warm-up), so
 * the shared machine's noise hits each alike; medians and minimums per variant.
 *
 *   npm run build && node --import tsx bench/sim/run.ts [--rounds 5] [--trips 5000] [--seeds 200]
 */
import { once } from "node:events";
import * as nodeNet from "node:net";
import { type Coroutine, run, spawn } from "corio";
import {
  connect,
  listen,
  MemoryNetwork,
  type NetAddress,
  type TcpStream,
  withTransport,
} from "corio/net";
import { explore, runTest, simulate } from "corio/testing";
import { chatScenario } from "../../examples/chat-simulation.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}
const ROUNDS = arg("rounds", 5);
const TRIPS = arg("trips", 5000);
const SEEDS = arg("seeds", 200);

function* echo(conn: TcpStream): Coroutine<void> {
  for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine())
    yield* conn.write(`${line}\n`);
}

/** n round trips from the current task to host:port. */
function* trips(host: string, port: number, n: number): Coroutine<void> {
  using conn = yield* connect({ host, port, noDelay: true });
  for (let i = 0; i < n; i++) {
    yield* conn.write("ping\n");
    if ((yield* conn.readLine()) !== "ping") throw new Error("bad echo");
  }
}

/** A server on `host` and n round trips to it (all in the current task's network). */
function* serverAndTrips(host: string, n: number): Coroutine<void> {
  using listener = yield* listen({ host, port: 0 });
  const server = spawn(() => listener.serve(echo));
  yield* trips(host, (listener.address as NetAddress).port, n);
  server.cancel();
}

const variants: Record<string, (n: number) => Promise<void>> = {
  "simulate, latency 0": (n) =>
    simulate(
      function* (sim) {
        sim.host("server", function* () {
          using listener = yield* listen({ host: "0.0.0.0", port: 7 });
          yield* listener.serve(echo);
        });
        yield* trips("server", 7, n);
      },
      { seed: 1 },
    ),
  "simulate, latency 5 ms": (n) =>
    simulate(
      function* (sim) {
        sim.latency(5);
        sim.host("server", function* () {
          using listener = yield* listen({ host: "0.0.0.0", port: 7 });
          yield* listener.serve(echo);
        });
        yield* trips("server", 7, n);
      },
      { seed: 1 },
    ),
  "MemoryNetwork (runTest)": (n) =>
    runTest(() => withTransport(new MemoryNetwork(), () => serverAndTrips("server", n))),
  "corio, real loopback": (n) => run(() => serverAndTrips("127.0.0.1", n)),
  "native async/await, node:net loopback": async (n) => {
    const server = nodeNet.createServer((s) => {
      s.setNoDelay(true);
      s.on("data", (d) => s.write(d));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const socket = nodeNet.connect((server.address() as nodeNet.AddressInfo).port, "127.0.0.1");
    socket.setNoDelay(true);
    await once(socket, "connect");
    let pending: (() => void) | null = null;
    let buffered = "";
    socket.on("data", (d) => {
      buffered += d.toString();
      if (buffered.endsWith("\n") && pending !== null) {
        buffered = "";
        const p = pending;
        pending = null;
        p();
      }
    });
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve) => {
        pending = resolve;
        socket.write("ping\n");
      });
    }
    socket.destroy();
    server.close();
  },
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (x: number): string => Math.round(x).toLocaleString("en-US");

// Round trips per second.
for (const f of Object.values(variants)) await f(Math.ceil(TRIPS / 10)); // warm-up
const rates: Record<string, number[]> = Object.fromEntries(
  Object.keys(variants).map((name) => [name, [] as number[]]),
);
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, f] of Object.entries(variants)) {
    const t0 = performance.now();
    await f(TRIPS);
    rates[name]?.push(TRIPS / ((performance.now() - t0) / 1000));
  }
}
const native = median(rates["native async/await, node:net loopback"] as number[]);
console.log(`\nTCP round trips per second of wall time (${TRIPS} per run, ${ROUNDS} rounds)`);
console.log("| variant | median trips/s | max trips/s | vs native loopback |\n|---|---|---|---|");
for (const [name, xs] of Object.entries(rates)) {
  const m = median(xs);
  console.log(`| ${name} | ${fmt(m)} | ${fmt(Math.max(...xs))} | ${(m / native).toFixed(2)}x |`);
}

// explore seeds per second, chat example with 3 clients.
await explore(chatScenario, { seeds: 20 }); // warm-up
const seedRates: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const seeds = Array.from({ length: SEEDS }, (_, i) => r * SEEDS + i);
  const t0 = performance.now();
  await explore(chatScenario, { seeds });
  seedRates.push(SEEDS / ((performance.now() - t0) / 1000));
}
console.log(`\nexplore, chat example with 3 clients (${SEEDS} seeds per round, ${ROUNDS} rounds)`);
console.log(
  `median ${fmt(median(seedRates))} seeds/s, min ${fmt(Math.min(...seedRates))}, max ${fmt(Math.max(...seedRates))} (target >= 100)`,
);

/**
 * The chat server (examples/chat-server.ts), unchanged, on a simulated
 * network: the server on host "chat", three clients on hosts of their own,
 * links with random delays. Each client joins, says hello once everyone is
 * in, and checks it heard every other client's hello exactly once and never
 * its own; then all leave. `explore` runs it under many seeds (interleavings
 * and delays), and a failure names the seed that replays it.
 *
 *   npx tsx examples/chat-simulation.ts [seeds]
 */
import { pathToFileURL } from "node:url";
import { Barrier, type Coroutine } from "corio";
import { connect } from "corio/net";
import { explore, type Sim } from "corio/testing";
import { chatServer } from "./chat-server.ts";

export const CLIENTS = ["alice", "bob", "carol"];

/** One client on its own host: join, wait for all, say hello, hear the others. */
function* chatter(name: string, everyoneIn: Barrier): Coroutine<string[]> {
  using conn = yield* connect({ host: "chat", port: 7008 });
  yield* conn.write(`${name}\n`);
  const welcome = yield* conn.readLine(); // "name? welcome, <name>"
  if (welcome !== `name? welcome, ${name}`) throw new Error(`${name} was greeted with ${welcome}`);
  yield* everyoneIn.wait(); // (test orchestration: the hosts share this process's memory)
  yield* conn.write(`hello from ${name}\n`);
  const heard: string[] = [];
  while (heard.length < CLIENTS.length - 1) {
    const line = yield* conn.readLine();
    if (line === null) throw new Error(`${name}: the server closed the connection`);
    if (line.includes("hello from")) heard.push(line);
  }
  yield* everyoneIn.wait(); // nobody leaves before everyone heard everything
  yield* conn.shutdown();
  return heard.sort();
}

/** The check: every client hears each other client's hello once, and not its own. */
export function* chatScenario(sim: Sim): Coroutine<void> {
  sim.host("chat", () => chatServer({ host: "0.0.0.0", port: 7008 }));
  sim.latency({ min: 1, max: 20 });
  const everyoneIn = new Barrier(CLIENTS.length);
  const clients = CLIENTS.map((name) => sim.host(name, () => chatter(name, everyoneIn)));
  for (const [i, client] of clients.entries()) {
    const name = CLIENTS[i] as string;
    const heard = yield* client;
    const expected = CLIENTS.filter((n) => n !== name)
      .map((n) => `${n}: hello from ${n}`)
      .sort();
    if (JSON.stringify(heard) !== JSON.stringify(expected))
      throw new Error(
        `${name} heard ${JSON.stringify(heard)}, expected ${JSON.stringify(expected)}`,
      );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seeds = Number(process.argv[2] ?? 500);
  const started = performance.now();
  explore(chatScenario, { seeds }).then(
    ({ runs }) => {
      const s = (performance.now() - started) / 1000;
      console.log(`${runs} seeds passed in ${s.toFixed(2)} s (${Math.round(runs / s)} seeds/s)`);
    },
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}

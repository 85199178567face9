/**
 * Checks the key-value store (store.ts) on a simulated network: a leader and
 * two followers, links with random delays, and — drawn from the seed — a
 * partition between the leader and both followers and a power cut of the
 * leader, while a client writes keys. Afterwards every write the leader
 * acknowledged must be on some follower.
 *
 * The correct store passes every seed. With the planted bug (OK once sent)
 * some seeds lose an acknowledged write, and `explore` names the first:
 *
 *   npx tsx examples/kv/check.ts          # 200 seeds of the correct store
 *   npx tsx examples/kv/check.ts --bug    # finds the bug, prints the seed
 *   CORIO_SEED=<seed> npx tsx examples/kv/check.ts --bug   # replays that run
 */
import { pathToFileURL } from "node:url";
import { type Coroutine, sleep, sleepUntil, spawn, timeout } from "corio";
import { connect, type TcpStream } from "corio/net";
import { explore, type Sim } from "corio/testing";
import { kvFollower, kvLeader, request } from "./store.ts";

const FOLLOWERS = ["f1", "f2"];

/** One run: the faults come from `sim.random()`, so the seed replays them. */
export function* kvScenario(sim: Sim, options: { plantedBug?: boolean } = {}): Coroutine<void> {
  for (const name of FOLLOWERS) sim.host(name, () => kvFollower({ port: 7001 }));
  sim.host("leader", () =>
    kvLeader({
      port: 7000,
      followers: FOLLOWERS.map((host) => ({ host, port: 7001 })),
      quorumTimeoutMs: 200,
      plantedBug: options.plantedBug ?? false,
    }),
  );
  sim.latency({ min: 1, max: 10 });

  // The faults: maybe a partition, then a crash of the leader.
  const partitionAt = sim.random() < 0.5 ? 50 + sim.random() * 150 : Number.POSITIVE_INFINITY;
  const crashAt = 100 + sim.random() * 200;
  const chaos = spawn(function* () {
    if (partitionAt < crashAt) {
      yield* sleepUntil(partitionAt);
      for (const f of FOLLOWERS) sim.partition("leader", f);
    }
    yield* sleepUntil(crashAt);
    sim.crash("leader");
  });

  // The client: write keys until the leader is gone; remember what was acknowledged.
  const acknowledged: string[] = [];
  yield* sleep(20); // the leader connects to its followers
  try {
    using conn = yield* connect({ host: "leader", port: 7000 });
    for (let i = 0; i < 100; i++) {
      const reply = yield* timeout(500, request(conn, `SET k${i} v${i}`));
      if (reply === "OK") acknowledged.push(`k${i}`);
      yield* sleep(5);
    }
  } catch {
    // ECONNRESET or a timeout: the leader crashed.
  }
  yield* chaos;
  for (const f of FOLLOWERS) sim.repair("leader", f);
  yield* sleep(1000); // whatever was held is delivered now

  // Every acknowledged write must be on some follower.
  const readers: TcpStream[] = [];
  for (const f of FOLLOWERS) readers.push(yield* connect({ host: f, port: 7001 }));
  for (const key of acknowledged) {
    const values: (string | null)[] = [];
    for (const r of readers) values.push(yield* request(r, `GET ${key}`));
    if (!values.includes(`VALUE v${key.slice(1)}`))
      throw new Error(
        `the acknowledged write ${key} is on no follower (they answer ${values.join(", ")})`,
      );
  }
  for (const r of readers) r.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const plantedBug = process.argv.includes("--bug");
  const started = performance.now();
  explore((sim) => kvScenario(sim, { plantedBug }), { seeds: 200 }).then(
    ({ runs }) =>
      console.log(`${runs} seeds passed in ${Math.round(performance.now() - started)} ms`),
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}

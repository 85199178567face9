// Worker channel throughput: values per second one way across threads, corio's workerChannel
// (credit-based backpressure, from a corio task to a spawnWorker runtime) beside a raw
// MessagePort postMessage loop (no backpressure at all: the sender posts everything at once).
//
//   npm run build && node --import tsx bench/worker-channel/run.ts [--rounds 5] [--n 200000]
//
// Each measurement runs in a fresh node process (this file with --one IMPL), rounds interleave
// the implementations so machine noise hits them alike, and the table gives the median and best
// over rounds and the median's ratio to raw. The clock starts once the receiving thread is up
// (thread start-up is not counted) and stops when it reports the last value; the receiver checks
// the count and sum. corio is the built dist/.

import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { MessageChannel, Worker } from "node:worker_threads";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(dirname(HERE));
// "-obj": each value is an object {i} (posted one by one) instead of a number (batched).
const IMPLS = ["raw", "corio-cap64", "corio-cap1024", "raw-obj", "corio-obj-cap1024"] as const;
type Impl = (typeof IMPLS)[number];

const { values } = parseArgs({
  options: {
    one: { type: "string" },
    rounds: { type: "string", default: "5" },
    n: { type: "string", default: "200000" },
  },
});
const n = Number(values.n);

/** One measurement in this process: values per second. */
async function measure(impl: Impl): Promise<number> {
  const expectSum = (n * (n - 1)) / 2;
  const objects = impl.includes("obj");
  const value = (i: number): unknown => (objects ? { i } : i);
  if (impl.startsWith("raw")) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(join(HERE, "raw-consumer.mjs"), {
      workerData: { port: port2, n },
      transferList: [port2],
    });
    const messages: unknown[] = [];
    let wake: () => void = () => {};
    worker.on("message", (m) => {
      messages.push(m);
      wake();
    });
    const next = () =>
      new Promise<unknown>((resolve) => {
        if (messages.length > 0) resolve(messages.shift());
        else wake = () => resolve(messages.shift());
      });
    await next(); // ready
    const t0 = performance.now();
    for (let i = 0; i < n; i++) port1.postMessage(value(i));
    const done = (await next()) as { count: number; sum: number };
    const ms = performance.now() - t0;
    if (done.count !== n || done.sum !== expectSum) throw new Error("raw: wrong count or sum");
    await worker.terminate();
    return (n / ms) * 1000;
  }
  const capacity = impl.endsWith("cap64") ? 64 : 1024;
  const corio = await import(pathToFileURL(join(ROOT, "dist/index.js")).href);
  const { spawnWorker, workerChannel } = await import(
    pathToFileURL(join(ROOT, "dist/worker/index.js")).href
  );
  return corio.run(function* () {
    const [tx, rx] = workerChannel(capacity);
    const [readyTx, readyRx] = workerChannel(1);
    const [doneTx, doneRx] = workerChannel(1);
    const consumer = spawnWorker(pathToFileURL(join(HERE, "consumer.mjs")), {
      args: [rx, readyTx, doneTx],
    });
    yield* readyRx.recv();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) yield* tx.send(value(i));
    tx.close();
    const done = (yield* doneRx.recv()).value as { count: number; sum: number };
    const ms = performance.now() - t0;
    if (done.count !== n || done.sum !== expectSum) throw new Error("corio: wrong count or sum");
    yield* consumer;
    return (n / ms) * 1000;
  });
}

if (values.one !== undefined) {
  const rate = await measure(values.one as Impl);
  process.stdout.write(`RESULT ${rate}\n`);
  process.exit(0);
}

const rounds = Number(values.rounds);
const samples = new Map<Impl, number[]>(IMPLS.map((i) => [i, []]));
for (let r = 0; r < rounds; r++) {
  for (const impl of IMPLS) {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--one", impl, "--n", String(n)],
      { cwd: ROOT, encoding: "utf8" },
    );
    const rate = Number(/RESULT (\S+)/.exec(out)?.[1]);
    (samples.get(impl) as number[]).push(rate);
    process.stderr.write(
      `round ${r + 1} ${impl}: ${Math.round(rate).toLocaleString("en")} values/s\n`,
    );
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const baseline = (impl: Impl): number =>
  median(samples.get(impl.includes("obj") ? "raw-obj" : "raw") as number[]);
console.log(
  `\n${n.toLocaleString("en")} values one way, ${rounds} rounds, Node ${process.version}\n`,
);
console.log("| implementation | median values/s | best | median / raw (same values) |");
console.log("|---|---|---|---|");
for (const impl of IMPLS) {
  const xs = samples.get(impl) as number[];
  const m = median(xs);
  console.log(
    `| ${impl} | ${Math.round(m).toLocaleString("en")} | ${Math.round(Math.max(...xs)).toLocaleString("en")} | ${(m / baseline(impl)).toFixed(2)} |`,
  );
}

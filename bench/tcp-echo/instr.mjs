// Instructions per TCP echo round trip under callgrind: repeatable where wall and CPU time on a
// shared machine are not, so the A/B for a change to the stream path.
//
//   npm run build && node bench/tcp-echo/instr.mjs [--impl plain,corio] [--n 20000] [--base 2000]
//
// For each server (server.ts, corio from dist/), two runs under
// `valgrind --tool=callgrind node --single-threaded`: the load generator (load.c's fixed-count
// mode, 50 connections) makes `base` round trips in one and `base + n` in the other, then closes
// its connections and the server exits (ECHO_EXIT_AFTER). The difference of the two "Collected"
// totals over n is the cost of one round trip, start-up, connecting and the first JIT tiers left
// out. Under valgrind the server is ~50× slower than the client, so every connection always has a
// message waiting: this counts the saturated server, the regime of the throughput benchmark.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(dirname(HERE));
const { values } = parseArgs({
  options: {
    impl: { type: "string", default: "plain,corio" },
    n: { type: "string", default: "20000" },
    base: { type: "string", default: "2000" },
    connections: { type: "string", default: "50" },
  },
});
const impls = values.impl.split(",");
const n = Number(values.n);
const base = Number(values.base);
const conns = Number(values.connections);

mkdirSync(join(ROOT, "bench", "out"), { recursive: true });
const LOAD = join(ROOT, "bench", "out", "tcp-echo-load");
execFileSync("cc", ["-O2", "-o", LOAD, join(HERE, "load.c")], { stdio: "inherit" });

function instructions(impl, total) {
  const env = {
    ...process.env,
    ECHO_EXIT_AFTER: String(conns),
    TSX_TSCONFIG_PATH: join(ROOT, "bench", "tsconfig.dist.json"),
  };
  const child = spawn(
    "valgrind",
    [
      "--tool=callgrind",
      "--callgrind-out-file=/dev/null",
      process.execPath,
      "--single-threaded",
      "--import",
      import.meta.resolve("tsx"),
      join(HERE, "server.ts"),
      impl,
    ],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (s) => {
    err += s;
  });
  return new Promise((resolve, reject) => {
    let started = false;
    child.stdout.setEncoding("utf8").on("data", (s) => {
      out += s;
      const m = /listening (\d+)/.exec(out);
      if (m && !started) {
        started = true;
        execFileSync(LOAD, [m[1], String(conns), "0", "0", String(total)]);
      }
    });
    child.on("exit", (code) => {
      const m = /Collected : (\d+)/.exec(err);
      if (code !== 0 || !m) reject(new Error(`${impl}: exit ${code}\n${err.slice(-2000)}`));
      else resolve(Number(m[1]));
    });
  });
}

console.log(`instructions per round trip, ${conns} connections, ${n} round trips (minus ${base})`);
for (const impl of impls) {
  const small = await instructions(impl, base);
  const large = await instructions(impl, base + n);
  console.log(
    `${impl.padEnd(14)} ${Math.round((large - small) / n)
      .toLocaleString("en")
      .padStart(10)}`,
  );
}

// Instruction counts of an HTTP hello-world server (repeatable where req/s and CPU time on a
// shared machine are not):
//
//   npm run build
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null --instr-atstart=no \
//     node --single-threaded bench/http/instr.mjs <checkout> <impl> [n] [warm-up]
//
// This process is the server (impl: plain | plain-loaded | corio-lazy | corio, as in server.ts, serve's default
// limits); it starts a client in a child process (not traced: valgrind does not follow exec) that
// sends `warm-up` requests (default 5,000: the JIT settles), turns callgrind's collection on
// (`callgrind_control -i on`), then sends n more (default 10,000), over 10 keep-alive
// connections, one request at a time each, and exits; the server exits with it. "Collected" / n
// is the instructions per request, warm, in user space (the kernel's share of the socket calls is
// not counted). `--single-threaded` keeps TurboFan on the main thread, where it runs at the same
// points in every run. <checkout> is a directory with a built dist/ (this worktree: ".").
//
// On a heavily loaded machine `callgrind_control` can time out and switch collection on late
// (a total far too small). Then compare two whole runs instead, warm-up 0 and collection on
// from the start (no --instr-atstart=no): (Collected(15000) - Collected(10000)) / 5000.
//
//   BENCH_CPU=1 node bench/http/instr.mjs . corio-lazy 100000   # no valgrind: CPU µs/request
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { resolve } from "node:path";

const [dir = ".", impl = "corio-lazy", nArg = "10000", warmArg] = process.argv.slice(2);
const n = Number(nArg);
const warm = Number(warmArg ?? (process.env.BENCH_CPU ? "0" : "5000"));
const BODY = "Hello, world!\n";
const LIMITS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  maxHeaderSize: 16 * 1024,
  connectionsCheckingInterval: 1000,
};

// The client: plain sockets, a request written as soon as the previous answer is complete.
const CLIENT = `
const net = require("node:net");
const { execFileSync } = require("node:child_process");
const [port, n, conns, warm, server] = process.argv.slice(1).map(Number);
const REQ = "GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n";
let sent = 0, got = 0;
for (let c = 0; c < conns; c++) {
  const s = net.connect(port, "127.0.0.1");
  let buf = "";
  const next = () => { if (sent < n + warm) { sent++; s.write(REQ); } else s.end(); };
  s.setEncoding("latin1");
  s.on("connect", next);
  s.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("Hello, world!\\n")) >= 0) {
      buf = buf.slice(i + 14);
      if (!buf.startsWith("HTTP") && buf.length > 0) throw new Error("bad framing");
      if (++got === warm && warm > 0) {
        execFileSync("callgrind_control", ["-i", "on", String(server)], { stdio: "ignore" });
      }
      if (got === n + warm) process.exit(0);
      next();
    }
  });
}
`;

function runClient(port) {
  const child = spawn(
    process.execPath,
    ["-e", CLIENT, String(port), String(n), "10", String(warm), String(process.pid)],
    {
      stdio: "inherit",
    },
  );
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  child.on("exit", (code) => {
    // BENCH_CPU=1: the server's CPU time per request (after start-up), for runs outside valgrind.
    if (process.env.BENCH_CPU) {
      const { user, system } = process.cpuUsage(cpu0);
      const ms = performance.now() - t0;
      console.log(
        `${impl}: ${((user + system) / n).toFixed(2)} µs CPU/request (user ${(user / n).toFixed(2)}, system ${(system / n).toFixed(2)}), ${((n / ms) * 1000).toFixed(0)} req/s`,
      );
    }
    process.exit(code ?? 1);
  });
}

// plain-loaded: the plain server in a process that has loaded corio first, as bench/http/server.ts's
// plain server does (run.ts's baseline). Same server code; loading corio's modules changes what
// Node's shared inline caches have seen (EventEmitter's constructor, inlined into every
// request's IncomingMessage and ServerResponse, sees more kinds of emitter and goes megamorphic).
if (impl === "plain-loaded") {
  await import(resolve(dir, "dist/index.js"));
  await import(resolve(dir, "dist/http/index.js"));
}
if (impl === "plain" || impl === "plain-loaded") {
  const server = createServer(LIMITS, (_req, res) => {
    res.setHeader("content-type", "text/plain;charset=UTF-8");
    res.end(BODY);
  });
  server.listen(0, "127.0.0.1", () => runClient(server.address().port));
} else {
  const { main } = await import(resolve(dir, "dist/index.js"));
  const { response, serve } = await import(resolve(dir, "dist/http/index.js"));
  main(function* () {
    yield* serve(
      { host: "127.0.0.1", port: 0, onListen: ({ port }) => runClient(port) },
      impl === "corio"
        ? function* () {
            return new Response(BODY);
          }
        : function* () {
            return response(BODY);
          },
    );
  });
}

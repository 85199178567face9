// The HTTP hello world without sockets: Node's HTTP server (plain, or the one inside corio's
// serve) fed keep-alive requests through in-memory duplex streams, in one process. What is left
// is the JavaScript per request — Node's parser, request and response objects, and corio's
// serve — without the system calls and the load generator, so a difference of a microsecond
// shows through the noise of a shared machine, and `--cpu-prof` attributes it.
//
//   npm run build
//   node bench/http/inproc.mjs <checkout> <impl> [requests] [rounds]   # impl: plain | corio-lazy | corio
//   node bench/http/inproc.mjs . both                                  # plain and corio-lazy, alternating
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null --instr-atstart=no \
//     node bench/http/inproc.mjs <checkout> <impl> [requests] instr    # instructions per request
// (`instr`: one warm-up round of 20,000 requests, then callgrind's collection is turned on
// (`callgrind_control -i on`) for one round of `requests`: "Collected" / requests.)
//
// Prints the CPU time per request (process.cpuUsage) of each round after the first (warm-up);
// 20 connections, each sending its next request once the previous answer is complete.

import http from "node:http";
import { syncBuiltinESMExports } from "node:module";
import { resolve } from "node:path";
import { Duplex } from "node:stream";

const [dir = ".", implArg = "both", nArg = "50000", roundsArg = "6"] = process.argv.slice(2);
const n = Number(nArg);
const rounds = Number(roundsArg);
const instr = roundsArg === "instr";
const CONNS = 20;
const BODY = "Hello, world!\n";
const REQ = Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
const LIMITS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  maxHeaderSize: 16 * 1024,
  connectionsCheckingInterval: 1000,
};

// Catch the node:http server corio's serve creates (it imports createServer by name).
let captured = null;
const createServer = http.createServer;
http.createServer = (...args) => {
  captured = createServer(...args);
  return captured;
};
syncBuiltinESMExports();

/** An in-memory connection: each response written back triggers the next request. */
class Conn extends Duplex {
  constructor(onResponse) {
    super();
    this.onResponse = onResponse;
    this.remoteAddress = "127.0.0.1";
    this.remotePort = 1;
  }
  _read() {}
  _write(chunk, _enc, cb) {
    this.seen(chunk);
    cb();
  }
  _writev(chunks, cb) {
    for (const { chunk } of chunks) this.seen(chunk);
    cb();
  }
  seen(chunk) {
    // A whole response ends with the body (the writes of one response come in one writev).
    const s = typeof chunk === "string" ? chunk : chunk.latin1Slice(0, chunk.length);
    if (s.endsWith(BODY)) this.onResponse(this);
  }
  setTimeout() {
    return this;
  }
  setNoDelay() {}
  setKeepAlive() {}
  destroySoon() {
    this.destroy();
  }
}

async function drive(server, count) {
  return new Promise((done) => {
    let sent = 0;
    let got = 0;
    const next = (c) => {
      if (sent < count) {
        sent++;
        c.push(REQ);
      }
    };
    const onResponse = (c) => {
      if (++got === count) done();
      else setImmediate(next, c); // as from the network: the next request in a later turn
    };
    for (let i = 0; i < CONNS; i++) {
      const c = new Conn(onResponse);
      server.emit("connection", c);
      next(c);
    }
  });
}

async function startPlain() {
  return createServer(LIMITS, (_req, res) => {
    res.setHeader("content-type", "text/plain;charset=UTF-8");
    res.end(BODY);
  });
}

async function startCorio(impl, checkout) {
  const { Runtime } = await import(resolve(checkout, "dist/index.js"));
  const { response, serve } = await import(resolve(checkout, "dist/http/index.js"));
  captured = null;
  let listening;
  const ready = new Promise((r) => {
    listening = r;
  });
  const rt = new Runtime();
  rt.spawn(function* () {
    yield* serve(
      { host: "127.0.0.1", port: 0, onListen: () => listening() },
      impl === "corio"
        ? function* () {
            return new Response(BODY);
          }
        : function* () {
            return response(BODY);
          },
    );
  });
  void rt.run();
  await ready;
  return captured;
}

async function measure(server) {
  const c0 = process.cpuUsage();
  await drive(server, n);
  const { user, system } = process.cpuUsage(c0);
  return (user + system) / n;
}

const impls = implArg === "both" ? ["plain", "corio-lazy"] : [implArg];
const servers = {};
for (const impl of impls) {
  servers[impl] = impl === "plain" ? await startPlain() : await startCorio(impl, dir);
}
if (instr) {
  const server = servers[impls[0]];
  await drive(server, 20_000);
  const { execFile } = await import("node:child_process");
  await new Promise((r) => execFile("callgrind_control", ["-i", "on", String(process.pid)], r));
  await drive(server, n);
  process.exit(0);
}
const results = Object.fromEntries(impls.map((i) => [i, []]));
for (let r = 0; r < rounds; r++) {
  for (const impl of impls) {
    const us = await measure(servers[impl]);
    if (r > 0) results[impl].push(us);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const impl of impls) {
  const xs = results[impl];
  console.log(
    `${impl.padEnd(11)} median ${median(xs).toFixed(2)} µs CPU/request  (rounds: ${xs.map((x) => x.toFixed(2)).join(" ")})`,
  );
}
if (impls.length === 2) {
  const [a, b] = impls;
  console.log(`${b} - ${a}: ${(median(results[b]) - median(results[a])).toFixed(2)} µs/request`);
}
process.exit(0);

// One HTTP hello-world server for the benchmark (run.ts starts it, pinned to a core):
//   tsx bench/http/server.ts <impl>
// Prints "listening <port>" once bound to 127.0.0.1 on a free port, then serves until killed.
// HTTPS impls read their key and certificate from the files named by BENCH_TLS_KEY/BENCH_TLS_CERT
// (run.ts makes a self-signed pair at run time).
//
// plain:          node:http with a callback, the ceiling for JavaScript here, with the same
//                 limits as serve's defaults (timeouts, header size, the sweep interval); the
//                 body is passed to end() so Node adds Content-Length, as corio's fast path does.
// corio:          serve() with a coroutine handler returning `new Response(...)`, the idiomatic web code.
// corio-lazy:     the same handler returning `response(...)` from corio/http (no body stream built),
//                 with serve's default limits on.
// corio-before:   corio-lazy with the limits serve had before its own (Node's defaults: headers
//                 60 s, request 300 s, keep-alive 5 s; no body limit): what the new defaults
//                 cost per request. (The sweep runs every second in both.)
// plain-https, corio-https: plain and corio-lazy over TLS (node:https), same settings.

import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createSecureServer } from "node:https";
import type { AddressInfo } from "node:net";
import { main } from "corio";
import { response, serve } from "corio/http";

const BODY = "Hello, world!\n";
const impl = process.argv[2];

// serve's defaults, as node:http options (see src/http/limits.ts).
const SAME_LIMITS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  maxHeaderSize: 16 * 1024,
  connectionsCheckingInterval: 1000,
};

const tls = () => ({
  key: readFileSync(process.env.BENCH_TLS_KEY as string),
  cert: readFileSync(process.env.BENCH_TLS_CERT as string),
});

function plain(secure: boolean): void {
  const handler = (_req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader("content-type", "text/plain;charset=UTF-8");
    res.end(BODY);
  };
  const server = secure
    ? createSecureServer({ ...tls(), ...SAME_LIMITS }, handler)
    : createServer(SAME_LIMITS, handler);
  process.on("SIGINT", () => server.close(() => process.exit(0)));
  server.listen(0, "127.0.0.1", () => {
    console.log(`listening ${(server.address() as AddressInfo).port}`);
  });
}

function corio(options: Record<string, unknown>, lazy: boolean): void {
  main(function* () {
    yield* serve(
      {
        host: "127.0.0.1",
        port: 0,
        onListen: ({ port }) => console.log(`listening ${port}`),
        ...options,
      },
      lazy
        ? function* () {
            return response(BODY);
          }
        : function* () {
            return new Response(BODY);
          },
    );
  });
}

const BEFORE_LIMITS = {
  maxBodyBytes: Number.POSITIVE_INFINITY,
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 5_000,
};

switch (impl) {
  case "plain":
    plain(false);
    break;
  case "plain-https":
    plain(true);
    break;
  case "corio":
    corio({}, false);
    break;
  case "corio-lazy":
    corio({}, true);
    break;
  case "corio-before":
    corio(BEFORE_LIMITS, true);
    break;
  case "corio-https":
    corio({ tls: tls() }, true);
    break;
  default:
    console.error("usage: server.ts <plain|corio|corio-lazy|corio-before|plain-https|corio-https>");
    process.exit(2);
}

// One HTTP hello-world server for the wrk benchmark (run.ts starts it, pinned to a core):
//   tsx bench/http/server.ts <plain|corio|corio-lazy>
// Prints "listening <port>" once bound to 127.0.0.1 on a free port, then serves until killed.
//
// plain: node:http with a callback, the ceiling for JavaScript here; the body is passed to end()
//        so Node adds Content-Length, as corio's fast path does.
// corio: serve() with a coroutine handler returning `new Response(...)`, the idiomatic web code.
// corio-lazy: the same handler returning `response(...)` from corio/http, the same Response
//        without the body stream that `new Response` builds eagerly (see src/http/response.ts).

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { main } from "corio";
import { response, serve } from "corio/http";

const BODY = "Hello, world!\n";
const impl = process.argv[2];

if (impl === "plain") {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "text/plain;charset=UTF-8");
    res.end(BODY);
  });
  process.on("SIGINT", () => server.close(() => process.exit(0)));
  server.listen(0, "127.0.0.1", () => {
    console.log(`listening ${(server.address() as AddressInfo).port}`);
  });
} else if (impl === "corio" || impl === "corio-lazy") {
  const lazy = impl === "corio-lazy";
  main(function* () {
    yield* serve(
      { host: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(`listening ${port}`) },
      lazy
        ? function* () {
            return response(BODY);
          }
        : function* () {
            return new Response(BODY);
          },
    );
  });
} else {
  console.error("usage: server.ts <plain|corio|corio-lazy>");
  process.exit(2);
}

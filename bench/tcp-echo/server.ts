// One TCP echo server for the tcp-echo benchmark (run.ts starts it, pinned to a core):
//   tsx bench/tcp-echo/server.ts <plain|native|corio|corio-closure|corio-shared>
// Prints "listening <port>" once bound to 127.0.0.1 on a free port, then echoes until killed.
//
// plain:  node:net with a 'data' callback that writes the chunk back: the ceiling for JavaScript.
// native: async/await, one `for await (const chunk of socket)` loop per connection, waiting for
//         'drain' when write() says the buffer is full: what idiomatic promise code looks like.
// corio:  listen() + listener.serve() with a read/write loop per connection, the idiomatic corio
//         code (the same as examples/echo-server.ts).
// corio-closure: an accept loop that starts each connection's task with an inline generator, a
//         fresh closure per connection (`group.spawn(function* () {...})`), as most code does.
// corio-shared: the same accept loop starting `group.spawn(echo(conn))` with a module-level
//         `function* echo(conn)`: the shape issue 10 asks docs to teach.

import { once } from "node:events";
import net from "node:net";
import { type Coroutine, main, taskGroup } from "corio";
import { listen, type TcpStream } from "corio/net";

const impl = process.argv[2];

function announce(port: number): void {
  console.log(`listening ${port}`);
}

/** corio-shared's task: the module-level handler, the same loop as the other corio servers. */
function* echo(conn: TcpStream): Coroutine<void> {
  using c = conn;
  c.setNoDelay();
  try {
    for (let chunk = yield* c.read(); chunk !== null; chunk = yield* c.read()) {
      yield* c.write(chunk);
    }
  } catch {
    // the client went away
  }
}

if (impl === "plain") {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on("data", (chunk) => socket.write(chunk));
    socket.on("error", () => socket.destroy());
  });
  server.listen(0, "127.0.0.1", () => announce((server.address() as net.AddressInfo).port));
} else if (impl === "native") {
  const server = net.createServer({ noDelay: true }, async (socket) => {
    socket.on("error", () => {});
    try {
      for await (const chunk of socket) {
        if (!socket.write(chunk as Buffer)) await once(socket, "drain");
      }
    } catch {
      // the client went away
    }
    socket.end();
  });
  server.listen(0, "127.0.0.1", () => announce((server.address() as net.AddressInfo).port));
} else if (impl === "corio") {
  main(function* () {
    using listener = yield* listen({ host: "127.0.0.1", port: 0 });
    announce((listener.address as { port: number }).port);
    yield* listener.serve(function* (conn) {
      conn.setNoDelay();
      try {
        for (let chunk = yield* conn.read(); chunk !== null; chunk = yield* conn.read()) {
          yield* conn.write(chunk);
        }
      } catch {
        // the client went away
      }
    });
  });
} else if (impl === "corio-closure") {
  main(function* () {
    using listener = yield* listen({ host: "127.0.0.1", port: 0 });
    announce((listener.address as { port: number }).port);
    yield* taskGroup(function* (group) {
      for (;;) {
        const conn = yield* listener.accept();
        group.spawn(function* () {
          using c = conn;
          c.setNoDelay();
          try {
            for (let chunk = yield* c.read(); chunk !== null; chunk = yield* c.read()) {
              yield* c.write(chunk);
            }
          } catch {
            // the client went away
          }
        });
      }
    });
  });
} else if (impl === "corio-shared") {
  main(function* () {
    using listener = yield* listen({ host: "127.0.0.1", port: 0 });
    announce((listener.address as { port: number }).port);
    yield* taskGroup(function* (group) {
      for (;;) {
        const conn = yield* listener.accept();
        group.spawn(echo(conn));
      }
    });
  });
} else {
  console.error("usage: server.ts <plain|native|corio|corio-closure|corio-shared>");
  process.exit(2);
}

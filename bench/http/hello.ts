// The HTTP hello world for the cluster benchmark (cluster.ts), as a program for `corio run`:
//   corio run [--workers N] bench/http/hello.ts -- PORT
// Every copy serves on PORT (0: the copies share the port the first one picks) and prints
// "listening <port>" once bound. The handler returns `response()` (corio/http), the fast idiom
// bench/http/run.ts measures as "corio-lazy".
import type { Coroutine } from "corio";
import { response, serve } from "corio/http";

const BODY = "Hello, world!\n";

export default function* hello(): Coroutine<void> {
  yield* serve(
    {
      host: "127.0.0.1",
      port: Number(process.argv[2] ?? "0"),
      onListen: ({ port }) => console.log(`listening ${port}`),
    },
    function* () {
      return response(BODY);
    },
  );
}

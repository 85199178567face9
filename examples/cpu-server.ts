/**
 * A CPU-heavy HTTP endpoint served on every core: `corio run --workers 2`
 * starts two copies of this program that share one listening socket.
 *
 * What to notice:
 * - `/primes?below=N` computes in one step: while it runs, *this copy's* event
 *   loop is blocked (its other requests wait). With `--workers N` there are N
 *   loops: the primary hands connections to the copies in turn, so N such
 *   requests run at once, one per core, and a blocked copy does not stop the
 *   others from answering.
 * - The program itself knows nothing of the cluster: it calls `serve` as a
 *   single process would. Port 0 works too (the copies share the port the
 *   first one picks), but a fixed port is what clients can find.
 * - SIGTERM to the primary (or Ctrl-C in the terminal) cancels each copy's
 *   `serve`: requests in flight finish, then each copy exits.
 * - For one slow job inside one process, move it off the loop instead:
 *   `runInWorker` (docs/workers.md).
 *
 *   npm run build
 *   npx corio run --workers 2 examples/cpu-server.ts -- 8080
 *   curl 'http://127.0.0.1:8080/primes?below=20000000'      # twice at once: two pids
 */
import type { Coroutine } from "corio";
import { type Address, serve } from "corio/http";

/** How many primes are below `n` (a sieve of Eratosthenes: pure CPU, ~10 ms per million). */
export function countPrimes(n: number): number {
  if (n < 3) return 0;
  const composite = new Uint8Array(n);
  let count = 1; // 2
  for (let i = 3; i < n; i += 2) {
    if (composite[i] === 1) continue;
    count++;
    for (let j = i * i; j < n; j += 2 * i) composite[j] = 1;
  }
  return count;
}

const LIMIT = 100_000_000; // a bigger sieve would take seconds and 100 MB

/** Answers `GET /primes?below=N` (JSON with the count and the pid that computed it) and `GET /`. */
export function* handle(request: Request): Coroutine<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/") return new Response(`hello from ${process.pid}\n`);
  if (url.pathname !== "/primes") return new Response("not found\n", { status: 404 });
  const below = Number(url.searchParams.get("below") ?? "10000000");
  if (!Number.isInteger(below) || below < 0 || below > LIMIT)
    return new Response(`below must be a whole number from 0 to ${LIMIT}\n`, { status: 400 });
  const started = performance.now();
  const primes = countPrimes(below); // blocks this copy's loop: the point of the example
  const ms = Math.round(performance.now() - started);
  return Response.json({ below, primes, pid: process.pid, ms });
}

/** The program `corio run` runs in each copy: `[PORT]` from the command line (default 8080). */
export default function* cpuServer(): Coroutine<void> {
  const port = Number(process.argv[2] ?? "8080");
  yield* serve(
    {
      port,
      onListen: (address: Address) =>
        console.log(`copy ${process.pid} serving http://${address.host}:${address.port}/`),
    },
    handle,
  );
}

/** Helpers for the io-http*.test.ts files: a server in a runtime, curl, handle counting. */
import { execFile } from "node:child_process";
import { type Coroutine, call, run, spawn } from "corio";
import { type Handler, type ServeOptions, serve } from "corio/http";

export interface CurlResult {
  /** curl's exit code (28: timed out, 7: could not connect, 52: empty reply, ...). */
  code: number;
  status: number;
  headers: Map<string, string>;
  body: string;
  stderr: string;
}

/** Runs `curl -s -i ...args` (asynchronously: the server under test shares this event loop). */
export function curl(args: string[], input?: string | Buffer): Promise<CurlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      "curl",
      ["-s", "-i", "--http1.1", "-H", "Expect:", ...args],
      { encoding: "latin1", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : Number((error as { code?: number }).code ?? -1);
        resolve({ code, stderr, ...parseHttp(stdout) });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** Splits `curl -i` output into status, headers (last block; names lowercased) and body. */
function parseHttp(out: string): { status: number; headers: Map<string, string>; body: string } {
  let rest = out;
  let status = 0;
  const headers = new Map<string, string>();
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (!rest.startsWith("HTTP/") || end < 0) break;
    const lines = rest.slice(0, end).split("\r\n");
    status = Number((lines[0] as string).split(" ")[1]);
    headers.clear();
    for (const line of lines.slice(1)) {
      const i = line.indexOf(":");
      const name = line.slice(0, i).toLowerCase();
      const value = line.slice(i + 1).trim();
      headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
    }
    rest = rest.slice(end + 4);
    if (status >= 200) break; // skip 1xx blocks
  }
  return { status, headers, body: Buffer.from(rest, "latin1").toString("utf8") };
}

/** The number of open TCP handles (servers and sockets) in this process. */
export function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r.startsWith("TCP")).length;
}

/** Waits (at most `ms`) until at most `n` TCP handles are open; returns the count. */
export async function settleHandles(n: number, ms = 3000): Promise<number> {
  const until = Date.now() + ms;
  while (tcpHandles() > n && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  return tcpHandles();
}

/** Resolves after `ms` (plain code, outside any runtime). */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise with its resolver, for signalling from handlers to plain test code. */
export function signal<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Runs `serve(options, handler)` in a fresh runtime, calls `client(base)` with
 * `http://127.0.0.1:<port>` once it listens, then cancels the server and waits
 * for it to end. Resolves with what the client returned; rejects if the server
 * failed (rather than ended by the cancel).
 */
export function serving<T>(
  handler: Handler,
  client: (base: string) => Promise<T>,
  options: ServeOptions = {},
): Promise<T> {
  return run(function* (): Coroutine<T> {
    const listening = signal<number>();
    const server = spawn(
      serve({ ...options, onListen: ({ port }) => listening.resolve(port) }, handler),
      { name: "server" },
    );
    const port = yield* call(listening.promise);
    const result = yield* call(client(`http://127.0.0.1:${port}`));
    server.cancel();
    try {
      yield* server;
    } catch (error) {
      if ((error as Error).name !== "CancelledError") throw error;
    }
    return result;
  });
}

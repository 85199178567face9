/** corio/net over Unix domain sockets: listen({path}) / connect({path}). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Coroutine, run, spawn } from "corio";
import { connect, listen, type TcpStream } from "corio/net";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "corio-unix-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function* echoLines(conn: TcpStream): Coroutine<void> {
  for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
    yield* conn.write(`echo: ${line}\n`);
  }
}

describe("corio/net Unix domain sockets", () => {
  it("listens and connects on a path; addresses are {path}; several clients at once", async () => {
    const path = join(dir, "echo.sock");
    const got = await run(function* () {
      using listener = yield* listen({ path });
      const server = spawn(() => listener.serve(echoLines));
      const replies: string[] = [];
      const clients = [1, 2, 3].map((n) =>
        spawn(function* () {
          using conn = yield* connect({ path });
          yield* conn.write(`hello ${n}\n`);
          const reply = yield* conn.readLine();
          replies.push(reply ?? "");
          return conn.remoteAddress;
        }),
      );
      const remote = [];
      for (const c of clients) remote.push(yield* c);
      listener.close();
      yield* server;
      return { address: listener.address, remote, replies: replies.sort() };
    });
    expect(got.address).toEqual({ path });
    expect(got.remote).toEqual([{ path }, { path }, { path }]);
    expect(got.replies).toEqual(["echo: hello 1", "echo: hello 2", "echo: hello 3"]);
  });

  it("connecting to a missing socket file is ENOENT naming the path; a path in use is EADDRINUSE", async () => {
    const missing = join(dir, "missing.sock");
    const used = join(dir, "used.sock");
    const codes = await run(function* () {
      const out: string[] = [];
      try {
        yield* connect({ path: missing });
      } catch (e) {
        out.push(`${(e as NodeJS.ErrnoException).code} ${(e as Error).message}`);
      }
      using first = yield* listen({ path: used });
      try {
        yield* listen({ path: used });
      } catch (e) {
        out.push((e as NodeJS.ErrnoException).code ?? "");
      }
      first.close();
      return out;
    });
    expect(codes[0]).toBe(
      `ENOENT connect to ${missing} failed: no such file or directory (ENOENT)`,
    );
    expect(codes[1]).toBe("EADDRINUSE");
  });
});

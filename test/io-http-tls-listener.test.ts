/**
 * serve over HTTPS (serve({tls}) and a TLS listener) with real clients that trust a certificate
 * made at run time (Node's https, curl --cacert), and serve on an already bound TcpListener.
 */
import { rmSync, writeFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, run, spawn } from "corio";
import { response, serve } from "corio/http";
import { connect, listen, MemoryNetwork, withTransport } from "corio/net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { curl, settleHandles, signal, tcpHandles } from "./io-http-helpers.js";
import { type Certificate, certificate } from "./io-tls-helpers.js";

let pem: Certificate;
let caFile: string;
beforeAll(async () => {
  pem = await certificate();
  caFile = join(tmpdir(), `corio-test-ca-${process.pid}.pem`);
  writeFileSync(caFile, pem.cert);
});
afterAll(() => rmSync(caFile, { force: true }));

let handlesBefore = 0;
beforeEach(() => {
  handlesBefore = tcpHandles();
});
afterEach(async () => {
  expect(await settleHandles(handlesBefore)).toBeLessThanOrEqual(handlesBefore);
});

/** GET over https with Node's client, trusting our CA. */
function nodeHttpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (s: string) => {
        body += s;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

const echoUrl = function* (req: Request) {
  return response(`${req.method} ${req.url}`);
};

describe("HTTPS", () => {
  it("serve({tls}) answers Node's https client and curl --cacert; req.url is https://", async () => {
    const got = await run(function* () {
      const listening = signal<number>();
      const server = spawn(
        serve({ tls: pem, onListen: ({ port }) => listening.resolve(port) }, echoUrl),
      );
      const port = yield* call(listening.promise);
      const node = yield* call(nodeHttpsGet(`https://localhost:${port}/n?x=1`, pem.cert));
      const viaCurl = yield* call(curl(["--cacert", caFile, `https://localhost:${port}/c`]));
      // A client that does not trust the certificate is refused by its own check.
      const untrusted = yield* call(curl([`https://localhost:${port}/`]));
      server.cancel();
      return { node, curl: viaCurl.body, curlCode: viaCurl.code, untrusted: untrusted.code };
    });
    expect(got.node.status).toBe(200);
    expect(got.node.body).toMatch(/^GET https:\/\/localhost:\d+\/n\?x=1$/);
    expect(got.curl).toMatch(/^GET https:\/\/localhost:\d+\/c$/);
    expect(got.curlCode).toBe(0);
    expect(got.untrusted).toBe(60); // curl: peer certificate cannot be authenticated
  });

  it("serves HTTPS on a TLS listener from listen({tls}); limits apply", async () => {
    const got = await run(function* () {
      const listener = yield* listen({ port: 0, tls: pem });
      const { port } = listener.address;
      const server = spawn(serve({ listener, maxBodyBytes: 10 }, echoUrl));
      const ok = yield* call(curl(["--cacert", caFile, `https://localhost:${port}/l`]));
      const big = yield* call(
        curl(
          ["--cacert", caFile, "--data-binary", "@-", `https://localhost:${port}/`],
          "x".repeat(11),
        ),
      );
      server.cancel();
      return { ok: ok.body, big: big.status };
    });
    expect(got.ok).toMatch(/^GET https:\/\/localhost:\d+\/l$/);
    expect(got.big).toBe(413);
  });

  it("a client that never finishes its TLS handshake is cut off at headersTimeoutMs", async () => {
    const closed = await run(function* () {
      const listening = signal<number>();
      const server = spawn(
        serve(
          {
            tls: pem,
            headersTimeoutMs: 100,
            requestTimeoutMs: 100,
            onListen: ({ port }) => listening.resolve(port),
          },
          echoUrl,
        ),
      );
      const port = yield* call(listening.promise);
      // Plain TCP: connects, then says nothing (Node's own handshake deadline is 2 minutes).
      const socket = netConnect({ host: "127.0.0.1", port });
      socket.on("error", () => {});
      const ended = yield* call(new Promise<boolean>((r) => socket.on("close", () => r(true))));
      server.cancel();
      return ended;
    });
    expect(closed).toBe(true);
  });

  it("a key that does not belong to the certificate fails serve with Node's code and the fix", async () => {
    const stranger = await certificate("other.example");
    const error = await run(function* () {
      yield* serve({ tls: { key: stranger.key, cert: pem.cert } }, echoUrl);
    }).catch((e: NodeJS.ErrnoException) => e);
    expect((error as NodeJS.ErrnoException).code).toBe("ERR_OSSL_X509_KEY_VALUES_MISMATCH");
    expect((error as Error).message).toMatch(
      /^serve\(\{tls\}\): Node could not use tls\.key\/tls\.cert \(check that both are PEM, that the key belongs to the certificate/,
    );
  });
});

describe("serve on a bound listener", () => {
  it("knows the port before serving; serves what was queued before it started; closes the listener", async () => {
    const got = await run(function* () {
      const listener = yield* listen({ host: "127.0.0.1", port: 0 });
      const port: number = listener.address.port; // typechecks: a TCP listen's address
      // A client connects and sends before serve has started: it waits in the queue.
      const early = curl([`http://127.0.0.1:${port}/early`]);
      using raw = yield* connect({ host: "127.0.0.1", port });
      yield* raw.write("GET /raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      let onListen: unknown = null;
      const server = spawn(
        serve({ listener, onListen: (a) => (onListen = a) }, function* (req) {
          return response(new URL(req.url).pathname);
        }),
      );
      const first = yield* call(early);
      const rawAnswer = new TextDecoder().decode(yield* raw.readAll());
      const later = yield* call(curl([`http://127.0.0.1:${port}/later`]));
      let acceptError = "";
      try {
        yield* listener.accept();
      } catch (error) {
        acceptError = (error as NodeJS.ErrnoException).code ?? "";
      }
      server.cancel();
      try {
        yield* server;
      } catch {}
      // serve closed the listener: nothing answers on the port any more.
      const after = yield* call(curl([`http://127.0.0.1:${port}/gone`]));
      return {
        port,
        onListen,
        first: first.body,
        rawAnswer,
        later: later.body,
        acceptError,
        after,
      };
    });
    expect(got.onListen).toEqual({ host: "127.0.0.1", port: got.port });
    expect(got.first).toBe("/early");
    expect(got.rawAnswer).toMatch(/^HTTP\/1\.1 200[\s\S]*\/raw$/);
    expect(got.later).toBe("/later");
    expect(got.acceptError).toBe("ERR_LISTENER_CLOSED");
    expect(got.after.code).toBe(7); // curl: could not connect
  });

  it("refuses a memory network's listener, a Unix one, and a closed one, with the reason", async () => {
    const messages = await run(function* () {
      const out: string[] = [];
      const attempt = function* (listener: unknown) {
        try {
          yield* serve({ listener: listener as never }, echoUrl);
        } catch (error) {
          out.push((error as Error).message);
        }
      };
      yield* withTransport(new MemoryNetwork(), function* () {
        const l = yield* listen({ host: "10.0.0.1", port: 80 });
        yield* attempt(l);
        l.close();
      });
      const path = join(tmpdir(), `corio-serve-${process.pid}.sock`);
      const unix = yield* listen({ path });
      yield* attempt(unix);
      unix.close();
      const closed = yield* listen({ port: 0 });
      closed.close();
      yield* attempt(closed);
      return out;
    });
    expect(messages[0]).toMatch(/not a real socket \(a memory or simulated network's\)/);
    expect(messages[1]).toMatch(/Unix socket; serve takes a TCP listener/);
    expect(messages[2]).toMatch(/the listener is closed/);
  });
});

/**
 * corio/net over TLS on loopback: listen({tls}) and connect({tls}) with a certificate made at run
 * time, the TcpStream interface over it, a real Node TLS client, certificate errors with Node's
 * codes, cancellation, and bad options.
 */
import { connect as nodeTlsConnect } from "node:tls";
import { CancelledError, type Coroutine, call, run, select, sleep, spawn } from "corio";
import { connect, listen, MemoryNetwork, type TcpStream, withTransport } from "corio/net";
import { beforeAll, describe, expect, it } from "vitest";
import { countResources, settle } from "./io-helpers.js";
import { type Certificate, certificate } from "./io-tls-helpers.js";

let pem: Certificate;
let other: Certificate; // a second, unrelated certificate
beforeAll(async () => {
  [pem, other] = await Promise.all([certificate(), certificate("other.example")]);
});

const SOCKETS = /^TCP(Socket|Server)Wrap$/;

/** Echo lines until EOF, then half-close. */
function* echo(conn: TcpStream): Coroutine<void> {
  for (let b = yield* conn.read(); b !== null; b = yield* conn.read()) yield* conn.write(b);
  yield* conn.shutdown();
}

describe("TLS streams", () => {
  it("carries readLine, readExact, write, shutdown and EOF both ways over TLS", async () => {
    const before = countResources(SOCKETS);
    const got = await run(function* () {
      using listener = yield* listen({ port: 0, tls: { key: pem.key, cert: pem.cert } });
      const { port } = listener.address; // typed NetAddress after a TCP listen
      const server = spawn(() => listener.serve(echo));
      using conn = yield* connect({ host: "localhost", port, tls: { ca: pem.cert } });
      yield* conn.write("hello\nworld!");
      const line = yield* conn.readLine();
      const six = yield* conn.readExact(6);
      yield* conn.write(new Uint8Array(100_000).fill(7));
      yield* conn.shutdown(); // close_notify + FIN: the server's read returns null
      const rest = yield* conn.readAll();
      const eof = yield* conn.read();
      server.cancel();
      return { line, six: new TextDecoder().decode(six), rest: rest.byteLength, eof };
    });
    expect(got).toEqual({ line: "hello", six: "world!", rest: 100_000, eof: null });
    expect(await settle(() => countResources(SOCKETS) <= before)).toBe(true);
  });

  it("serves a plain Node tls client, and a corio client talks to a Node tls server", async () => {
    const answer = await run(function* () {
      using listener = yield* listen({ port: 0, tls: pem });
      const server = spawn(() => listener.serve(echo));
      const reply = yield* call(
        new Promise<string>((resolve, reject) => {
          const socket = nodeTlsConnect(
            { host: "127.0.0.1", port: listener.address.port, ca: pem.cert },
            () => socket.end("from node\n"),
          );
          let text = "";
          socket.setEncoding("utf8").on("data", (s: string) => {
            text += s;
          });
          socket.on("end", () => resolve(text));
          socket.on("error", reject);
        }),
      );
      server.cancel();
      return reply;
    });
    expect(answer).toBe("from node\n");
  });

  it("refuses a certificate that does not match, with Node's code, and keeps listening", async () => {
    const errors = await run(function* () {
      using listener = yield* listen({ port: 0, tls: pem });
      const { port } = listener.address;
      const server = spawn(() => listener.serve(echo));
      const attempt = function* (tls: Parameters<typeof connect>[0]) {
        try {
          using _conn = yield* connect(tls);
          return "connected";
        } catch (error) {
          return (error as NodeJS.ErrnoException).code;
        }
      };
      const codes = {
        // Not trusted at all: Node's roots do not include it.
        untrusted: yield* attempt({ host: "localhost", port, tls: true }),
        // Trusted, but issued for localhost, not this name.
        wrongName: yield* attempt({
          host: "127.0.0.1",
          port,
          tls: { ca: pem.cert, servername: "other.example" },
        }),
        // Trusting only an unrelated certificate.
        wrongCa: yield* attempt({ host: "localhost", port, tls: { ca: other.cert } }),
      };
      // The failed handshakes never reached accept(); a good client still gets served.
      using ok = yield* connect({ host: "127.0.0.1", port, tls: { ca: pem.cert } });
      yield* ok.write("still here\n");
      const line = yield* ok.readLine();
      server.cancel();
      return { ...codes, line };
    });
    expect(errors).toEqual({
      untrusted: "DEPTH_ZERO_SELF_SIGNED_CERT",
      wrongName: "ERR_TLS_CERT_ALTNAME_INVALID",
      wrongCa: "DEPTH_ZERO_SELF_SIGNED_CERT",
      line: "still here",
    });
  });

  it("a cancelled read took nothing; a connect cancelled mid-handshake leaves no socket", async () => {
    const before = countResources(SOCKETS);
    const got = await run(function* () {
      using listener = yield* listen({ port: 0, tls: pem });
      const { port } = listener.address;
      const accepted = spawn(function* () {
        return yield* listener.accept();
      });
      using conn = yield* connect({ host: "localhost", port, tls: { ca: pem.cert } });
      using peer = yield* accepted;
      // A read that loses a race to a sleep is cancelled with nothing taken...
      const first = yield* select({ read: conn.read(), timer: sleep(20) });
      yield* peer.write("after\n");
      // ...so the bytes that came later are all there for the next read.
      const line = yield* conn.readLine();

      // A plain TCP server that never answers the handshake: connect waits in it.
      using silent = yield* listen({ port: 0 });
      const hung = spawn(function* () {
        return yield* connect({ host: "127.0.0.1", port: silent.address.port, tls: true });
      });
      const held = yield* silent.accept(); // the TCP part is done; the handshake hangs
      yield* sleep(10);
      hung.cancel();
      let outcome = "";
      try {
        yield* hung;
      } catch (error) {
        outcome = error instanceof CancelledError ? "cancelled" : String(error);
      }
      held.close();
      return { first: first.key, line, outcome };
    });
    expect(got).toEqual({ first: "timer", line: "after", outcome: "cancelled" });
    expect(await settle(() => countResources(SOCKETS) <= before)).toBe(true);
  });

  it("a connect timeout covers the handshake (ETIMEDOUT)", async () => {
    const code = await run(function* () {
      using silent = yield* listen({ port: 0 });
      try {
        using _c = yield* connect({
          host: "127.0.0.1",
          port: silent.address.port,
          tls: true,
          timeout: 50,
        });
        return "connected";
      } catch (error) {
        return (error as NodeJS.ErrnoException).code;
      }
    });
    expect(code).toBe("ETIMEDOUT");
  });
});

describe("TLS: bad options", () => {
  it("names the missing or malformed option", async () => {
    expect(() => listen({ port: 0, tls: { cert: "x" } as never })).toThrow(
      /listen\(\{tls\}\): tls\.key is missing: a TLS server needs both key and cert/,
    );
    expect(() => listen({ port: 0, tls: { key: "x" } as never })).toThrow(/tls\.cert is missing/);
    expect(() => listen({ port: 0, tls: { key: 1, cert: "x" } as never })).toThrow(
      /tls\.key must be PEM text or a Buffer/,
    );
    expect(() => listen({ port: 0, tls: "yes" as never })).toThrow(/tls must be an object/);
    expect(() => connect({ port: 1, tls: 5 as never })).toThrow(
      /connect\(\{tls\}\): tls must be true or an object/,
    );
    expect(() => connect({ port: 1, tls: { servername: "" } })).toThrow(/tls\.servername/);
    expect(() => connect({ port: 1, tls: { cert: "x" } })).toThrow(
      /needs both tls\.cert and tls\.key/,
    );
    // A key that is not a key, or another certificate's: Node's code, and what to check.
    // (OpenSSL's exact code for a non-key varies by version: ERR_OSSL_UNSUPPORTED, ..._NO_START_LINE.)
    for (const [key, code] of [
      ["not a key", /^ERR_OSSL_/],
      [other.key, /^ERR_OSSL_X509_KEY_VALUES_MISMATCH$/],
    ] as const) {
      const error = await run(function* () {
        using _l = yield* listen({ port: 0, tls: { key, cert: pem.cert } });
      }).catch((e: NodeJS.ErrnoException) => e);
      expect((error as NodeJS.ErrnoException).code).toMatch(code);
      expect((error as Error).message).toMatch(
        /listen\(\{tls\}\): Node could not use tls\.key\/tls\.cert \(check that both are PEM, that the key belongs to the certificate/,
      );
    }
  });

  it("the in-memory network refuses TLS with a clear error", async () => {
    const message = await run(function* () {
      try {
        yield* withTransport(new MemoryNetwork(), function* () {
          using _l = yield* listen({ host: "10.0.0.1", port: 443, tls: pem });
        });
        return "listened";
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(message).toMatch(/in-memory network.*TLS.*real loopback/);
  });
});

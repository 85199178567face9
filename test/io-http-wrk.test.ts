/**
 * corio/http under load from wrk (a C load generator): short runs, every answer
 * a 2xx, no socket errors. Bounded: one second each, twenty connections.
 */
import { execFile } from "node:child_process";
import { sleep } from "corio";
import { response } from "corio/http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serving, settleHandles, tcpHandles } from "./io-http-helpers.js";

let handlesBefore = 0;
beforeEach(() => {
  handlesBefore = tcpHandles();
});
afterEach(async () => {
  expect(await settleHandles(handlesBefore)).toBeLessThanOrEqual(handlesBefore);
});

interface WrkResult {
  requests: number;
  non2xx: number;
  socketErrors: number;
  output: string;
}

function wrk(url: string): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    // A generous per-request timeout: a stalled CI machine is not a server error.
    execFile("wrk", ["-t1", "-c20", "-d1s", "--timeout", "10s", url], (error, output) => {
      if (error) return reject(error);
      const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
        output,
      );
      resolve({
        requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? 0),
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
        socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
        output,
      });
    });
  });
}

describe("wrk", () => {
  it("hello world: every answer 2xx, no socket errors", async () => {
    let served = 0;
    const r = await serving(
      function* () {
        served++;
        return response("Hello, world!\n");
      },
      (base) => wrk(`${base}/`),
    );
    expect(r.requests, r.output).toBeGreaterThan(100);
    expect(r.non2xx, r.output).toBe(0);
    expect(r.socketErrors, r.output).toBe(0);
    expect(served).toBeGreaterThanOrEqual(r.requests);
  });

  it("handlers that suspend (many requests parked at once), new Response bodies", async () => {
    const r = await serving(
      function* (req) {
        yield* sleep(1);
        return new Response(`you asked for ${new URL(req.url).pathname}`);
      },
      (base) => wrk(`${base}/path`),
    );
    expect(r.requests, r.output).toBeGreaterThan(100);
    expect(r.non2xx, r.output).toBe(0);
    expect(r.socketErrors, r.output).toBe(0);
  });
});

/**
 * corio/http under load from autocannon (an HTTP load generator from npm, run
 * as its own process, so the load is not generated on the server's event
 * loop): a fixed number of requests over twenty connections, every answer a
 * 2xx, no socket errors. No speed is asserted here; speed lives in bench/.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sleep } from "corio";
import { response } from "corio/http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serving, settleHandles, tcpHandles } from "./io-http-helpers.js";

const AUTOCANNON = fileURLToPath(
  new URL("../node_modules/autocannon/autocannon.js", import.meta.url),
);
const REQUESTS = 500;

let handlesBefore = 0;
beforeEach(() => {
  handlesBefore = tcpHandles();
});
afterEach(async () => {
  expect(await settleHandles(handlesBefore)).toBeLessThanOrEqual(handlesBefore);
});

interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  socketErrors: number;
  output: string;
}

/** Sends exactly REQUESTS requests over 20 connections and reports what came back. */
function load(url: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // A generous per-request timeout: a stalled CI machine is not a server error.
    const args = [AUTOCANNON, "-c", "20", "-a", String(REQUESTS), "-t", "10", "-j", url];
    execFile(process.execPath, args, (error, output) => {
      if (error) return reject(error);
      const r = JSON.parse(output);
      resolve({
        requests: r.requests.total,
        ok: r["2xx"],
        non2xx: r.non2xx,
        socketErrors: r.errors + r.timeouts,
        output: `2xx ${r["2xx"]}, non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}`,
      });
    });
  });
}

describe("HTTP load (autocannon)", () => {
  it("hello world: every answer 2xx, no socket errors", async () => {
    let served = 0;
    const r = await serving(
      function* () {
        served++;
        return response("Hello, world!\n");
      },
      (base) => load(`${base}/`),
    );
    expect(r.ok, r.output).toBe(REQUESTS);
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
      (base) => load(`${base}/path`),
    );
    expect(r.ok, r.output).toBe(REQUESTS);
    expect(r.non2xx, r.output).toBe(0);
    expect(r.socketErrors, r.output).toBe(0);
  });
});

/** The I/O examples, driven as their users would: examples/echo-server.ts, chat-server.ts, chat-client.ts. */
import { fileURLToPath } from "node:url";
import { call, run, sleep, spawn } from "corio";
import { describe, expect, it } from "vitest";
import { chatServer } from "../examples/chat-server.ts";
import { echoServer } from "../examples/echo-server.ts";
import { foreign } from "./io-helpers.js";
import { systemTool } from "./support/system-tool.js";

const nc = systemTool("nc", "netcat-openbsd");

const chatClient = fileURLToPath(new URL("../examples/chat-client.ts", import.meta.url));

describe("examples", () => {
  it.skipIf(nc.skip)("echo-server echoes what nc sends", async () => {
    const out = await run(function* () {
      let port = 0;
      const server = spawn(() => echoServer({ onListen: (a) => (port = a.port) }));
      while (port === 0) yield* sleep(1);
      const nc = foreign("nc", ["-N", "127.0.0.1", String(port)]);
      nc.child.stdin?.end("one\ntwo\n");
      const done = yield* call(nc.done);
      server.cancel();
      return done.stdout;
    });
    expect(out).toBe("one\ntwo\n");
  });

  it("chat-server relays lines between chat-client programs typing on stdin", async () => {
    const transcript = await run(function* () {
      let port = 0;
      const server = spawn(() => chatServer({ onListen: (a) => (port = a.port) }));
      while (port === 0) yield* sleep(1);
      const start = (name: string) =>
        foreign(process.execPath, ["--import", "tsx", chatClient, name, String(port)]);
      const alice = start("alice");
      const seen: string[] = [];
      const expectLine = function* (who: typeof alice, label: string) {
        const line = yield* call(who.line());
        seen.push(`${label} ${line}`);
      };
      yield* expectLine(alice, "alice>");
      const bob = start("bob");
      yield* expectLine(bob, "bob>");
      yield* expectLine(alice, "alice>");
      alice.child.stdin?.write("hello bob\n");
      yield* expectLine(bob, "bob>");
      bob.child.stdin?.write("hi alice\n");
      yield* expectLine(alice, "alice>");
      bob.child.stdin?.end(); // bob leaves: his client half-closes, the server says goodbye
      yield* expectLine(alice, "alice>");
      const bobExit = yield* call(bob.done);
      alice.child.stdin?.end();
      const aliceExit = yield* call(alice.done);
      server.cancel();
      return {
        seen,
        codes: [bobExit.code, aliceExit.code],
        stderr: aliceExit.stderr + bobExit.stderr,
      };
    });
    expect(transcript.seen).toEqual([
      "alice> welcome, alice",
      "bob> welcome, bob",
      "alice> * bob joined",
      "bob> alice: hello bob",
      "alice> bob: hi alice",
      "alice> * bob left",
    ]);
    expect(transcript.stderr).toBe("");
    expect(transcript.codes).toEqual([0, 0]);
  }, 60_000);
});

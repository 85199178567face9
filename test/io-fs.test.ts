/** corio/fs: whole files, directories, File with cursor and positional I/O, the line reader, cancellation. */
import { readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, rm as rmDir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, select, sleep, spawn } from "corio";
import { appendFile, mkdir, open, readDir, reader, readFile, rm, stat, writeFile } from "corio/fs";
import { waitIdle } from "corio/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settle } from "./io-helpers.js";

let dir = "";
/** Node's warnings about file handles closed by the garbage collector: each one is a leak. */
const gcClosed: string[] = [];
const onWarning = (w: Error): void => {
  if (/garbage collection/.test(w.message)) gcClosed.push(w.message);
};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "corio-fs-"));
  process.on("warning", onWarning);
});
afterAll(() => {
  process.off("warning", onWarning);
});
afterAll(() => rmDir(dir, { recursive: true, force: true }));

/** How many of this process's file descriptors point into the test directory (Linux). */
function openInDir(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

describe("corio/fs", () => {
  it("writeFile, appendFile, readFile (bytes and text), stat", async () => {
    const got = await run(function* () {
      const path = join(dir, "a.txt");
      yield* writeFile(path, "hello ");
      yield* appendFile(path, Buffer.from("world\n"));
      const bytes = yield* readFile(path);
      const text = yield* readFile(path, "utf8");
      const info = yield* stat(path);
      return { bytes: bytes.length, text, size: info.size, isFile: info.isFile() };
    });
    expect(got).toEqual({ bytes: 12, text: "hello world\n", size: 12, isFile: true });
  });

  it("mkdir, readDir (sorted, with types), rm", async () => {
    const got = await run(function* () {
      const root = join(dir, "tree");
      yield* mkdir(join(root, "sub", "deeper"), { recursive: true });
      yield* writeFile(join(root, "b.txt"), "b");
      yield* writeFile(join(root, "a.txt"), "a");
      const entries = (yield* readDir(root)).map((e) => `${e.name}${e.isDirectory() ? "/" : ""}`);
      yield* rm(join(root, "a.txt"));
      yield* rm(root, { recursive: true });
      let gone = "";
      try {
        yield* stat(root);
      } catch (e) {
        gone = (e as NodeJS.ErrnoException).code ?? "";
      }
      yield* rm(root, { force: true }); // no error
      return { entries, gone };
    });
    expect(got).toEqual({ entries: ["a.txt", "b.txt", "sub/"], gone: "ENOENT" });
  });

  it("errors keep Node's code and path", async () => {
    const error = await run(function* () {
      try {
        yield* readFile(join(dir, "missing"));
      } catch (e) {
        return e as NodeJS.ErrnoException;
      }
      return null;
    });
    expect(error?.code).toBe("ENOENT");
    expect(error?.message).toContain(join(dir, "missing"));
  });

  it("File: cursor reads and writes, positional I/O, stat, seek, EOF as null", async () => {
    const got = await run(function* () {
      const path = join(dir, "file.bin");
      using f = yield* open(path, "w+");
      yield* f.write("0123456789");
      yield* f.write("abc", 2); // positional: the cursor stays at 10
      const cursor = f.position;
      f.seek(0);
      const head = (yield* f.read(4))?.toString();
      const at8 = (yield* f.read(10, 8))?.toString();
      const rest = (yield* f.read())?.toString();
      const eof = yield* f.read();
      const size = (yield* f.stat()).size;
      yield* f.sync();
      return { cursor, head, at8, rest, eof, size, position: f.position };
    });
    expect(got).toEqual({
      cursor: 10,
      head: "01ab",
      at8: "89",
      rest: "c56789",
      eof: null,
      size: 10,
      position: 10,
    });
  });

  it("append mode writes at the end whatever the cursor", async () => {
    const text = await run(function* () {
      const path = join(dir, "log.txt");
      yield* writeFile(path, "one\n");
      using f = yield* open(path, "a");
      yield* f.write("two\n");
      yield* f.write("three\n");
      return yield* readFile(path, "utf8");
    });
    expect(text).toBe("one\ntwo\nthree\n");
  });

  it("reader: a file line by line, without holding it all", async () => {
    const lines = await run(function* () {
      const path = join(dir, "lines.txt");
      const body = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join("\r\n");
      yield* writeFile(path, body);
      using r = yield* reader(path, { chunkSize: 1000 });
      let count = 0;
      let last = "";
      for (let l = yield* r.readLine(); l !== null; l = yield* r.readLine()) {
        count++;
        last = l;
      }
      return { count, last };
    });
    expect(lines).toEqual({ count: 5000, last: "line 4999" });
  });

  it("a cancelled read moves no cursor; using closes the file; a cancelled open leaves no descriptor", async () => {
    // Files are kept referenced until the check, so that a leaked handle cannot be
    // closed behind our back by the garbage collector (which Node would warn about).
    const kept: unknown[] = [];
    const got = await run(function* () {
      const path = join(dir, "cancel.txt");
      yield* writeFile(path, "abcdef");
      const task = spawn(function* () {
        using f = yield* open(path);
        kept.push(f);
        // A read that loses a race: the cursor must not move.
        const first = yield* select({ read: f.read(3), now: sleep(0) });
        const again = (yield* f.read(3))?.toString();
        return { winner: first.key, again, position: f.position };
      });
      const result = yield* task;
      // Tasks cancelled while their open() is in flight (the file opens after the
      // cancel: the future closes it), or while reading (`using` closes it).
      for (let i = 0; i < 20; i++) {
        const t = spawn(function* () {
          using f = yield* open(path);
          kept.push(f);
          yield* f.read();
        });
        for (let k = 0; k < i % 4; k++) yield* sleep(0);
        t.cancel();
      }
      yield* waitIdle();
      return result;
    });
    expect(got.again).toBe(got.winner === "now" ? "abc" : "def");
    expect(got.position).toBe(got.winner === "now" ? 3 : 6);
    expect(await settle(() => openInDir() === 0)).toBe(true);
    expect(gcClosed).toEqual([]);
    expect(kept.length).toBeGreaterThan(0);
  });

  it("a cancelled reader (open or reading) leaves no descriptor", async () => {
    await run(function* () {
      const path = join(dir, "big.txt");
      yield* writeFile(path, Buffer.alloc(1024 * 1024, 120));
      for (let i = 0; i < 10; i++) {
        const t = spawn(function* () {
          using r = yield* reader(path);
          for (;;) yield* r.readExact(4096);
        });
        for (let k = 0; k < i; k++) yield* sleep(0);
        t.cancel();
      }
    });
    expect(await settle(() => openInDir() === 0)).toBe(true);
    expect(gcClosed).toEqual([]);
  });
});

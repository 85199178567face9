import { run, spawn, action, until, call, sleep } from "effection";
async function test(name, mk) {
  const log = [];
  await run(function* () {
    const ts = [];
    for (let t = 0; t < 3; t++) ts.push(yield* spawn(function* () { for (let i = 0; i < 3; i++) { log.push(`${t}${i}`); yield* mk(); } }));
    for (const t of ts) yield* t;
  });
  console.log(name, log.join(" "));
}
await test("action", () => action((r) => { r(); return () => {}; }));
await test("until", () => until(Promise.resolve()));
await test("call", () => call(() => Promise.resolve()));
await test("sleep0", () => sleep(0));

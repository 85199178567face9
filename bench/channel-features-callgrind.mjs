// Instruction-count check for the channel hot paths (issue 13): 20,000 ping-pong round trips over
// two capacity-1 channels, then 100,000 numbers through a capacity-1,024 channel, against the
// build in the checkout given. Run under callgrind with --jitless (the interpreter, so the count is
// nearly deterministic):
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --jitless bench/channel-features-callgrind.mjs <checkout>
const dir = process.argv[2];
const c = await import(`${dir}/dist/index.js`);
const N = 20000;
await c.run(function* () {
  const [atx, arx] = c.channel(1);
  const [btx, brx] = c.channel(1);
  const echo = c.spawn(function* () {
    for (let i = 0; i < N; i++) {
      const r = yield* arx.recv();
      yield* btx.send(r.value);
    }
  });
  for (let i = 0; i < N; i++) {
    yield* atx.send(i);
    yield* brx.recv();
  }
  yield* echo;
  const [tx, rx] = c.channel(1024);
  const p = c.spawn(function* () {
    for (let i = 0; i < 5 * N; i++) yield* tx.send(i);
    tx.close();
  });
  for (;;) {
    const r = yield* rx.recv();
    if (r.done) break;
  }
  yield* p;
});

// The receiving thread of the corio measurement (bench/worker-channel/run.ts): a spawnWorker body
// that says it is ready, takes every value, and reports the count and checksum when the channel closes.
export default function* consume(rx, ready, done) {
  yield* ready.send("ready");
  let count = 0;
  let sum = 0;
  for (let r = yield* rx.recv(); !r.done; r = yield* rx.recv()) {
    count++;
    sum += typeof r.value === "number" ? r.value : r.value.i;
  }
  yield* done.send({ count, sum });
}

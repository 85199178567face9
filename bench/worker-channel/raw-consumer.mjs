// The receiving thread of the raw baseline (bench/worker-channel/run.ts): counts what arrives on
// its port and reports once `n` values have come.
import { parentPort, workerData } from "node:worker_threads";

const { port, n } = workerData;
let count = 0;
let sum = 0;
port.on("message", (v) => {
  count++;
  sum += typeof v === "number" ? v : v.i;
  if (count === n) parentPort.postMessage({ count, sum });
});
parentPort.postMessage("ready");

// The raw worker_threads baseline: a thread that answers every message with itself.
import { parentPort } from "node:worker_threads";

parentPort.on("message", (x) => parentPort.postMessage(x));

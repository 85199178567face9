// The raw worker_threads baseline for CPU jobs: a thread that runs the `jobs.mjs` function named
// in each message and answers with its result.
import { parentPort } from "node:worker_threads";
import { burn, echo, sha256 } from "./jobs.mjs";

const functions = { burn, echo, sha256 };

parentPort.on("message", ({ name, args }) => parentPort.postMessage(functions[name](...args)));

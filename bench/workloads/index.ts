// The workloads, in the order run.ts runs them.

import type { Workload } from "../harness.js";
import channel from "./channel.js";
import memory from "./memory.js";
import mutex from "./mutex.js";
import pingpong from "./pingpong.js";
import queue from "./queue.js";
import spawn from "./spawn.js";
import timers from "./timers.js";
import yieldWorkload from "./yield.js";

export const WORKLOADS: readonly Workload[] = [
  spawn,
  yieldWorkload,
  timers,
  memory,
  channel,
  pingpong,
  mutex,
  queue,
];

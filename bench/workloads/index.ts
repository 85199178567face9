// The workloads, in the order run.ts runs them.

import type { Workload } from "../harness.js";
import channel from "./channel.js";
import { memoryClosure, memoryShared } from "./memory.js";
import mutex from "./mutex.js";
import pingpong from "./pingpong.js";
import queue from "./queue.js";
import { spawnClosure, spawnShared } from "./spawn.js";
import { timersClosure, timersShared } from "./timers.js";
import yieldWorkload from "./yield.js";

export const WORKLOADS: readonly Workload[] = [
  spawnClosure,
  spawnShared,
  yieldWorkload,
  timersClosure,
  timersShared,
  memoryClosure,
  memoryShared,
  channel,
  pingpong,
  mutex,
  queue,
];

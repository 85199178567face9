// Tasks: spawn is asyncio.create_task and tokio::spawn; `yield* task` is `await task`
// (Tokio: `handle.await`); all() is asyncio.gather; taskGroup is asyncio.TaskGroup.
// runTest runs on a virtual clock, so the sleeps take no real time.
import { all, type Coroutine, now, sleep, spawn, taskGroup } from "corio";
import { runTest } from "corio/testing";

function* fetchUser(id: number): Coroutine<string> {
  yield* sleep(100 * id); // stands for a network call
  return `user${id}`;
}

await runTest(function* () {
  const task = spawn(() => fetchUser(1), { name: "fetch 1" }); // scheduled, not yet run
  console.log(`spawned ${task.name}: ${task.state}`);
  console.log(`joined: ${yield* task} at ${now()} ms`);

  const users = yield* all([fetchUser(2), fetchUser(3)]); // each its own child task
  console.log(`all: ${users.join(", ")} at ${now()} ms`);

  yield* taskGroup(function* (group) {
    for (const id of [4, 5]) group.spawn(() => fetchUser(id));
  }); // waits for every child; the first failure would cancel the rest
  console.log(`taskGroup done at ${now()} ms`);
});

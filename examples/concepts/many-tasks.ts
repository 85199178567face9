// Starting many tasks: the body of a task per connection, request or item is a generator
// function defined once and called with its arguments, spawn(handle(id)) (asyncio's
// create_task(handle(id))). Generators of one function share a prototype; every evaluation
// of an inline `function*` makes a new one (and, in V8, a new hidden class: ~1 µs a task).
import { type Coroutine, sleep, spawn } from "corio";
import { runTest } from "corio/testing";

/** One request's work: defined once, called once per request. */
function* handle(id: number): Coroutine<string> {
  yield* sleep(10 * id); // stands for the request's I/O
  return `reply ${id}`;
}

const ids = [1, 2, 3];
const prototypes = (generators: object[]) =>
  new Set(generators.map((g) => Object.getPrototypeOf(g))).size;
const shared = ids.map((id) => handle(id));
const inline = ids.map((id) =>
  (function* () {
    return `reply ${id}`;
  })(),
);
console.log(
  `prototypes: shared function ${prototypes(shared)}, inline closures ${prototypes(inline)}`,
);

await runTest(function* () {
  // The fast idiom. spawn(() => handle(id)) is as fast: an arrow is cheap to make,
  // and the generator is still handle's.
  const tasks = ids.map((id) => spawn(handle(id), { name: `request ${id}` }));
  const replies: string[] = [];
  for (const task of tasks) replies.push(yield* task);
  console.log(replies.join(", "));
});

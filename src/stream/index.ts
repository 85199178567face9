/** Streams: the `Stream` interface, `forEach`, operators and adapters. */
export type { EventEmitterLike, EventSource, EventTargetLike } from "./adapters.js";
export { AsyncIterableStream, EventStream, fromAsyncIterable, on, once } from "./adapters.js";
export type { ChunksOptions } from "./operators.js";
export { chunks, filter, map, merge, take } from "./operators.js";
export type { Stream } from "./stream.js";
export { forEach, isStream } from "./stream.js";

// Stub of the corio public API as described in the brief, to typecheck the bench.
export interface Future<T> { [Symbol.iterator](): Iterator<unknown, T, unknown>; }
export type Coroutine<T> = Generator<unknown, T, unknown>;
type Body<T> = Coroutine<T> | (() => Coroutine<T>);
export interface Task<T> extends Future<T>, PromiseLike<T> { cancel(reason?: unknown): void; }
export declare function run<T>(body: Body<T>, opts?: { signal?: AbortSignal }): Promise<T>;
export declare function spawn<T>(body: Body<T>, opts?: { name?: string }): Task<T>;
export declare function yieldNow(): Future<void>;
export declare function sleep(ms: number): Future<void>;
export interface Sender<T> { send(v: T): Future<void>; close(): void; }
export interface Receiver<T> { recv(): Future<IteratorResult<T, undefined>>; }
export declare function channel<T>(capacity: number): [Sender<T>, Receiver<T>];
export interface Guard { release(): void; }
export declare class Mutex { lock(): Future<Guard>; }

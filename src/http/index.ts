/**
 * `corio/http`: an HTTP server whose requests are tasks (`serve`), a
 * cancellable client (`fetch`), and cancellable body reading (`text`, `json`,
 * `bytes`) — over Node's `node:http` and global `fetch`, with web-standard
 * `Request` and `Response` objects.
 *
 * @module
 */
export type { HasBody } from "./body.js";
export { bytes, json, text } from "./body.js";
export { fetch } from "./fetch.js";
export { BodyTooLargeError } from "./limits.js";
export { response } from "./response.js";
export type { Address, Handler, ServeOptions } from "./serve.js";
export { serve } from "./serve.js";

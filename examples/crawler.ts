/**
 * A concurrent crawler: the classic asyncio "areq" exercise, ported.
 *
 * The program starts a small web site of its own on loopback (`serve`: every
 * page a task, answering after a little simulated latency), then crawls it from
 * `/`, breadth first: fetch every page of the frontier, at most `concurrency`
 * at a time (`mapConcurrent`), gather their new same-site links into the next
 * frontier. A broken link answers 404; one page answers 503 the first time and
 * is fetched again after a short wait (`retry`); one page is too slow and the
 * crawler's per-page `timeout` gives up on it, which cancels the fetch: the
 * server sees its client leave and cancels that request's task too. When the
 * crawl is done the site is cancelled; its shutdown waits for every request.
 *
 * What to notice:
 * - `mapConcurrent(frontier, concurrency, visit)` bounds the requests in
 *   flight: no semaphore, no permit to release, no task per link to manage;
 * - `retry(..., {retryIf})` retries only what is worth retrying (a 503), with
 *   exponential backoff on the runtime clock; a 404 or a timeout is final;
 * - `timeout(ms, body)` around `fetch` + `text`: the deadline covers the whole
 *   page, and leaving it early aborts the HTTP request (nothing leaks);
 * - the server and the crawler are tasks of one runtime; while they wait on
 *   the network other tasks run;
 * - the work of each page and each request starts from a generator function
 *   defined once and called with the item (`visit(path)`, `getPage(url)`,
 *   `site(req, ...)`), never a `function*` written inline per item: the fast
 *   way to start many tasks (docs/concepts.md, "the fast idiom").
 *
 *   npx tsx examples/crawler.ts [concurrency]
 */
import { pathToFileURL } from "node:url";
import {
  type Coroutine,
  call,
  mapConcurrent,
  now,
  retry,
  run,
  sleep,
  spawn,
  TimeoutError,
  timeout,
} from "corio";
import { fetch, response, serve, text } from "corio/http";

export interface CrawlOptions {
  /** Pages on the site. @default 40 */
  pages?: number;
  /** Requests in flight at most. @default 5 */
  concurrency?: number;
  /** How long one page may take, in ms. @default 1000 */
  pageTimeout?: number;
  /** How long the slow page takes to answer, in ms. @default 5000 */
  slowPage?: number;
  log?: (line: string) => void;
}

export interface CrawlOutcome {
  /** Paths fetched successfully, in the order they completed. */
  visited: string[];
  /** Paths that failed, with why ("404", "timeout", ...). */
  failed: { path: string; why: string }[];
  /** The most requests the crawler had in flight at once. */
  mostAtOnce: number;
}

// ---------------------------------------------------------------- the site

/** Page i links to a few others, to a broken link now and then, and off-site. */
function page(i: number, pages: number): string {
  const links = [(i + 1) % pages, (i * 2 + 3) % pages, (i * 7 + 5) % pages].map(
    (n) => `<a href="/page/${n}">page ${n}</a>`,
  );
  if (i % 9 === 4) links.push(`<a href="/missing/${i}">a broken link</a>`);
  if (i === 3) links.push(`<a href="/slow">a slow page</a>`);
  links.push(`<a href="https://example.com/">off-site: not followed</a>`);
  return `<html><body><h1>Page ${i}</h1>${links.join("\n")}</body></html>`;
}

/** The site: `/page/5` is busy (503) the first time it is asked for. */
function* site(
  req: Request,
  pages: number,
  slowPage: number,
  asked: Set<string>,
): Coroutine<Response> {
  const { pathname } = new URL(req.url);
  yield* sleep(5 + ((pathname.length * 7) % 20)); // simulated latency
  if (pathname === "/page/5" && !asked.has(pathname)) {
    asked.add(pathname);
    return response("busy, try again", { status: 503 });
  }
  if (pathname === "/") return html(page(0, pages));
  if (pathname === "/slow") {
    yield* sleep(slowPage);
    return html("<html><body>finally</body></html>");
  }
  const m = /^\/page\/(\d+)$/.exec(pathname);
  if (m !== null && Number(m[1]) < pages) return html(page(Number(m[1]), pages));
  return response("not found", { status: 404 });
}

function html(body: string): Response {
  return response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
}

// ---------------------------------------------------------------- the crawler

/** The same-site links of a page, as paths. */
function linksOf(body: string, pageUrl: string): string[] {
  const origin = new URL(pageUrl).origin;
  const out: string[] = [];
  for (const [, href] of body.matchAll(/href="([^"]+)"/g)) {
    const url = new URL(href as string, pageUrl);
    if (url.origin === origin) out.push(url.pathname);
  }
  return out;
}

/** A 503: the server is busy; worth asking again. */
class ServerBusy extends Error {}

/** One GET: the status and the whole body. */
function* getPage(url: string): Coroutine<{ status: number; body: string }> {
  const res = yield* fetch(url);
  return { status: res.status, body: yield* text(res) };
}

export function* crawl(
  base: string,
  options: Required<Pick<CrawlOptions, "concurrency" | "pageTimeout" | "log">>,
): Coroutine<CrawlOutcome> {
  const { concurrency, pageTimeout, log } = options;
  const seen = new Set<string>(["/"]);
  const visited: string[] = [];
  const failed: { path: string; why: string }[] = [];
  let inFlight = 0;
  let mostAtOnce = 0;
  const start = now();
  const t = () => `${((now() - start) / 1000).toFixed(2).padStart(5)}s`;

  /** One page, with one deadline for headers and body; a 503 is thrown to be retried. */
  function* fetchPage(path: string): Coroutine<{ status: number; body: string }> {
    inFlight++;
    mostAtOnce = Math.max(mostAtOnce, inFlight);
    try {
      const page = yield* timeout(pageTimeout, getPage(`${base}${path}`));
      if (page.status === 503) throw new ServerBusy(`503 on ${path}`);
      return page;
    } finally {
      inFlight--;
    }
  }

  /** Fetches a page (retrying a busy server) and returns its same-site links. */
  function* visit(path: string): Coroutine<string[]> {
    let page: { status: number; body: string };
    try {
      page = yield* retry(() => fetchPage(path), {
        attempts: 3,
        backoff: { initialMs: 50, maxMs: 500, factor: 2, jitter: 0.1 },
        retryIf: (error) => error instanceof ServerBusy,
      });
    } catch (error) {
      const why = error instanceof TimeoutError ? "timeout" : String(error);
      failed.push({ path, why });
      log(`${t()} --- ${path}: ${why}`);
      return [];
    }
    if (page.status !== 200) {
      failed.push({ path, why: String(page.status) });
      log(`${t()} ${page.status} ${path}`);
      return [];
    }
    visited.push(path);
    const links = linksOf(page.body, `${base}${path}`);
    log(`${t()} 200 ${path} (${links.length} links)`);
    return links;
  }

  // Breadth first: the whole frontier at `concurrency` at a time, then the new links it found.
  let frontier = ["/"];
  while (frontier.length > 0) {
    const found = yield* mapConcurrent(frontier, concurrency, visit);
    frontier = found.flat().filter((link) => !seen.has(link) && seen.add(link));
  }
  return { visited, failed, mostAtOnce };
}

/** Starts the site, crawls it, stops the site. */
export function* crawlSite(options: CrawlOptions = {}): Coroutine<CrawlOutcome> {
  const {
    pages = 40,
    concurrency = 5,
    pageTimeout = 1000,
    slowPage = 5000,
    log = console.log,
  } = options;
  const asked = new Set<string>();
  let port = 0;
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    listening = resolve;
  });
  const server = spawn(
    serve(
      {
        onListen: (address) => {
          port = address.port;
          listening();
        },
      },
      (req) => site(req, pages, slowPage, asked),
    ),
    { name: "site" },
  );
  yield* call(ready);
  log(`site on http://127.0.0.1:${port}/ (${pages} pages); crawling ${concurrency} at a time`);
  try {
    return yield* crawl(`http://127.0.0.1:${port}`, { concurrency, pageTimeout, log });
  } finally {
    server.cancel(); // stop the site; its shutdown waits for its requests
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const concurrency = Number(process.argv[2] ?? 5);
  const { visited, failed, mostAtOnce } = await run(() => crawlSite({ concurrency }));
  console.log(
    `crawled ${visited.length} pages, ${failed.length} failed (${failed.map((f) => `${f.path}: ${f.why}`).join(", ")}); at most ${mostAtOnce} requests at once`,
  );
}

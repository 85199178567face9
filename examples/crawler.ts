/**
 * A concurrent crawler: the classic asyncio "areq" exercise, ported.
 *
 * The program starts a small web site of its own on loopback (`serve`: every
 * page a task, answering after a little simulated latency), then crawls it from
 * `/`: fetch a page, pull out its links, crawl each new same-site link — all
 * at once, but never more than `concurrency` requests in flight (a
 * `Semaphore`). A broken link answers 404; one page is too slow and the
 * crawler's per-page `timeout` gives up on it, which cancels the fetch: the
 * server sees its client leave and cancels that request's task too. When the
 * crawl is done the site is cancelled; its shutdown waits for every request.
 *
 * What to notice:
 * - one task per discovered link (`group.spawn`), cheap to have many of; the
 *   semaphore, not the task count, bounds the requests in flight;
 * - `timeout(ms, body)` around `fetch` + `text`: the deadline covers the whole
 *   page, and leaving it early aborts the HTTP request (nothing leaks);
 * - the server and the crawler are tasks of one runtime; while they wait on
 *   the network other tasks run.
 *
 *   npx tsx examples/crawler.ts [concurrency]
 */
import { pathToFileURL } from "node:url";
import {
  type Coroutine,
  call,
  now,
  run,
  Semaphore,
  sleep,
  spawn,
  TimeoutError,
  taskGroup,
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

function* site(req: Request, pages: number, slowPage: number): Coroutine<Response> {
  const { pathname } = new URL(req.url);
  yield* sleep(5 + ((pathname.length * 7) % 20)); // simulated latency
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

export function* crawl(
  base: string,
  options: Required<Pick<CrawlOptions, "concurrency" | "pageTimeout" | "log">>,
): Coroutine<CrawlOutcome> {
  const { concurrency, pageTimeout, log } = options;
  const permits = new Semaphore(concurrency);
  const seen = new Set<string>(["/"]);
  const visited: string[] = [];
  const failed: { path: string; why: string }[] = [];
  let inFlight = 0;
  let mostAtOnce = 0;
  const start = now();
  const t = () => `${((now() - start) / 1000).toFixed(2).padStart(5)}s`;

  yield* taskGroup(function* (group) {
    function* visit(path: string): Coroutine<void> {
      const permit = yield* permits.acquire();
      let body: string;
      inFlight++;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      try {
        // One deadline for the whole page: headers and body.
        const [status, text_] = yield* timeout(pageTimeout, function* () {
          const res = yield* fetch(`${base}${path}`);
          return [res.status, yield* text(res)] as const;
        });
        if (status !== 200) {
          failed.push({ path, why: String(status) });
          log(`${t()} ${status} ${path}`);
          return;
        }
        body = text_;
      } catch (error) {
        const why = error instanceof TimeoutError ? "timeout" : String(error);
        failed.push({ path, why });
        log(`${t()} --- ${path}: ${why}`);
        return;
      } finally {
        inFlight--;
        permit.release();
      }
      visited.push(path);
      const links = linksOf(body, `${base}${path}`);
      let fresh = 0;
      for (const link of links) {
        if (seen.has(link)) continue;
        seen.add(link);
        fresh++;
        group.spawn(() => visit(link), { name: `crawl ${link}` });
      }
      log(`${t()} 200 ${path} (${links.length} links, ${fresh} new)`);
    }
    group.spawn(() => visit("/"), { name: "crawl /" });
  });
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
      (req) => site(req, pages, slowPage),
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

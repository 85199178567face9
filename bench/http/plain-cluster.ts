// The baseline for cluster.ts: plain node:http hello world, one process or N copies in a
// node:cluster (no corio), on PORT (0: shared as with corio).
//   node --import tsx bench/http/plain-cluster.ts N PORT
// Prints "listening <port>" from each copy once bound; SIGTERM stops the primary and its copies.
import cluster from "node:cluster";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const copies = Number(process.argv[2] ?? "1");
const port = Number(process.argv[3] ?? "0");

if (copies > 1 && cluster.isPrimary) {
  for (let i = 0; i < copies; i++) cluster.fork();
  process.on("SIGTERM", () => {
    for (const copy of Object.values(cluster.workers ?? {})) copy?.process.kill("SIGTERM");
  });
} else {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "text/plain;charset=UTF-8");
    res.end("Hello, world!\n");
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
  server.listen(port, "127.0.0.1", () => {
    console.log(`listening ${(server.address() as AddressInfo).port}`);
  });
}

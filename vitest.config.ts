import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

// Tests import the public names ("corio", "corio/lowlevel", ...) and run against the
// TypeScript sources; test/package-exports.test.ts checks the built package separately.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^corio$/, replacement: src("index.ts") },
      { find: /^corio\/lowlevel$/, replacement: src("lowlevel.ts") },
      { find: /^corio\/testing$/, replacement: src("testing/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

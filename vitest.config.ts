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
      { find: /^corio\/trace$/, replacement: src("trace/index.ts") },
      { find: /^corio\/net$/, replacement: src("net/index.ts") },
      { find: /^corio\/fs$/, replacement: src("fs/index.ts") },
      { find: /^corio\/process$/, replacement: src("process/index.ts") },
      { find: /^corio\/signal$/, replacement: src("signal/index.ts") },
      { find: /^corio\/http$/, replacement: src("http/index.ts") },
      { find: /^corio\/worker$/, replacement: src("worker/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    setupFiles: ["test/support/setup.ts"],
    // `npm run coverage`: line and branch coverage of src/ (not part of CI's pass/fail).
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "text", "html"],
      reportsDirectory: "coverage",
    },
  },
});

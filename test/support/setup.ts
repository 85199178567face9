// Loaded before every test file (vitest.config.ts `setupFiles`): a test that
// makes no assertion fails, so a test cannot pass by checking nothing.
import { beforeEach, expect } from "vitest";

beforeEach(() => {
  expect.hasAssertions();
});

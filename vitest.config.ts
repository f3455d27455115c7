import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = { "@": path.resolve(import.meta.dirname) };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "deploy/**/*.test.ts", "packages/*/src/**/*.test.ts"],
          environment: "node",
          setupFiles: ["lib/testing/setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "http",
          include: ["e2e/http/**/*.test.ts"],
          environment: "node",
          globalSetup: ["e2e/http/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          // One set of servers serves every file; files run one after another so the
          // servers' logs and rate of requests stay readable.
          fileParallelism: false,
        },
      },
      {
        resolve: { alias },
        test: {
          // `npm run test:faults`: crashes, outages, a full disk, shutdown under load — each
          // asserting counts (nothing lost, nothing sent twice) and printing recovery figures.
          name: "faults",
          include: ["e2e/faults/**/*.test.ts"],
          environment: "node",
          globalSetup: ["e2e/faults/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Instances are killed, disks filled and networks cut: one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});

import { defineConfig } from "vitest/config";
// Before any worker starts: they inherit it, and build their SDK clients without the Node 22 notice.
import "./infra/local/sdk-notice.ts";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          setupFiles: ["test/support/unit-setup.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/dynamodb-global.ts"],
          setupFiles: ["test/support/integration-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

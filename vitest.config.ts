import { defineConfig } from "vitest/config";
// Before any worker starts: they inherit it, and build their SDK clients without the Node 22 notice.
import "./infra/local/sdk-notice.ts";

const CONTENTION = [
  "test/integration/privatelink-concurrency.test.ts",
  "test/integration/privatelink-quota.test.ts",
];

const integration = {
  globalSetup: ["test/support/dynamodb-global.ts"],
  setupFiles: ["test/support/integration-setup.ts"],
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

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
          exclude: CONTENTION,
          ...integration,
        },
      },
      {
        // Hundreds of racing transactions on one item, checked for their invariants. DynamoDB Local
        // serializes them behind item locks, and beside the suite's bulk loads (the 50,000-endpoint export,
        // 100-item batch transactions) a write waits past Local's lock timeout ("too long waiting for a
        // lock", a 500 that real DynamoDB does not give). So these run after everything else, one file at
        // a time, on a DynamoDB Local of their own.
        test: {
          name: "integration-contention",
          include: CONTENTION,
          ...integration,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

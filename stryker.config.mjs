// @ts-check
/**
 * `npm run mutate`: StrykerJS over the rules in core/ and the TC3 signature check, with every test
 * (integration ones included, against DynamoDB Local). On demand, not in CI: a full run takes hours on a
 * small machine. Scope it while working on one module:
 *
 *   npm run mutate -- --mutate core/metrics/rollup.ts
 *   STRYKER_TEST_DIR=test/unit npm run mutate -- --mutate functions/api/tencent/tc3.ts
 *
 * docs/testing.md records the score and the surviving mutants judged equivalent.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  vitest: {
    configFile: "vitest.config.ts",
    // Related mode: only the tests that import the mutated file run for it.
    related: true,
    ...(process.env.STRYKER_TEST_DIR ? { dir: process.env.STRYKER_TEST_DIR } : {}),
  },
  mutate: ["core/**/*.ts", "functions/api/tencent/tc3.ts"],
  coverageAnalysis: "perTest",
  // The machine is small and DynamoDB Local is shared by the tests of one run.
  concurrency: 1,
  timeoutMS: 60_000,
  reporters: ["clear-text", "progress", "html"],
  htmlReporter: { fileName: ".stryker-tmp/report/mutation.html" },
  tempDirName: ".stryker-tmp",
  ignorePatterns: [".linkplane", ".ci/test-results.json", "reports"],
};

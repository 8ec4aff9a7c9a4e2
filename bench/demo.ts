/**
 * The demo's history load (`npm run demo`: 24 hours of 7 endpoints, written in bulk and rolled up by the
 * jobs, and summed into service minutes by the metric stream: ready as the banner says it), timed three
 * ways in one run:
 *   - with the data folder on disk, as `npm run demo` runs, bulk puts as 100-item transactions;
 *   - on disk, bulk puts as 25-item BatchWriteItem (what ran before, and what DynamoDB gets);
 *   - in memory (`--in-memory`), the floor: the same writes with no disk under them.
 * Each on a fresh DynamoDB Local of its own. `BENCH_DEMO_HOURS` sets the hours (24; 1 with --quick).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Config from "../core/config.ts";
import { type BulkWrites, useBulkWrites } from "../core/db/batch.ts";
import { setLogSink } from "../core/util/log.ts";
import { startDemo } from "../infra/local/demo.ts";
import { startLocal } from "../infra/local/runtime.ts";
import { size } from "./support.ts";

process.env.LINKPLANE_LOG_LEVEL = "silent";
setLogSink(() => {});
const HOURS = size("BENCH_DEMO_HOURS", 24, 1);

async function load(label: string, inMemory: boolean, writes: BulkWrites): Promise<number> {
  // Its own DynamoDB Local each time, not the one the last run stopped.
  delete process.env.LINKPLANE_DYNAMODB_ENDPOINT;
  Config.reset();
  const runtime = await startLocal({
    inMemory,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "linkplane-bench-demo-")),
    scheduler: false,
  });
  try {
    useBulkWrites(writes);
    const demo = await startDemo(undefined, { hours: HOURS });
    const loaded = await demo.backfill;
    // Ready as `npm run demo` says it: once the metric stream has summed the load into service minutes.
    const streamStarted = performance.now();
    await runtime.metricPoller.idle();
    loaded.ms += performance.now() - streamStarted;
    demo.stop();
    console.log(
      `demo load, ${label}: ${loaded.samples} samples, ${loaded.items} items, loaded and rolled up in ${(loaded.ms / 1000).toFixed(1)} s`,
    );
    return loaded.ms;
  } finally {
    await runtime.stop();
  }
}

const transactions = await load("on disk, 100-item transactions (npm run demo)", false, "transactions");
const batches = await load("on disk, 25-item batches (before)", false, "batches");
const memory = await load("in memory (floor)", true, "batches");
console.log(
  `demo load on disk: ${(batches / transactions).toFixed(1)}× faster as transactions than as batches; ${(transactions / memory).toFixed(2)}× the in-memory floor (${HOURS} h)`,
);

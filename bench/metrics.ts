/**
 * Metrics numbers against DynamoDB Local, in one run (`npm run bench`; `-- --quick` for small sizes):
 *   1. ingest throughput vs a fair floor: a raw BatchWriteItem loop writing the very items ingest writes,
 *      with as many requests in flight as ingest keeps (MetricIngest.CONCURRENCY), over endpoints
 *      stored in their real shape; each side writes new items (its own hour) into the same warmed table,
 *      the order alternates, and the median of the pairs is the result (goal ≥ 0.8×). Service minutes
 *      are not ingest's to write (the stream's consumer derives them), so the metric stream's consumer
 *      is held while the pairs run, and then timed alone applying everything they wrote (records/s);
 *   2. the hourly rollup of those endpoints × 60 minutes vs the floor of the Queries and writes it
 *      needs: the same shard Queries and bucket BatchWrites with nothing else (goal ≤ 1.3×);
 *   3. the scheduled export of endpoints × 24 hours: its time in one pass; its live heap in separate
 *      passes (forced collections slow a run down), at a quarter of the size and at the full size.
 * Prints ratios and numbers; asserts nothing.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../core/db/client.ts";
import * as Keys from "../core/db/keys.ts";
import { METRIC_SHARDS } from "../core/db/keys.ts";
import { MetricExportFiles } from "../core/metrics/export-files.ts";
import { MetricExport } from "../core/metrics/exports.ts";
import { MetricIngest } from "../core/metrics/ingest.ts";
import { attr, bucketAttributes, DAY, HOUR, SAMPLE_METRICS } from "../core/metrics/model.ts";
import { Rollup } from "../core/metrics/rollup.ts";
import { ServiceMinutes } from "../core/metrics/service-minutes.ts";
import { FolderStore, useObjectStore } from "../core/storage/index.ts";
import { setLogSink } from "../core/util/log.ts";
import { Clock } from "../core/util/time.ts";
import { startLocal } from "../infra/local/runtime.ts";
import { batchWrite, endpointItem, median, seconds, size } from "./support.ts";

process.env.LINKPLANE_LOG_LEVEL = "silent";
setLogSink(() => {});
const ENDPOINTS = size("BENCH_ENDPOINTS", 2000, 20);
const PAIRS = size("BENCH_PAIRS", 3, 2);
const runtime = await startLocal({
  inMemory: true,
  port: 0,
  dataDir: `/tmp/linkplane-bench-${randomBytes(4).toString("hex")}`,
  scheduler: false,
});

const uin = "100000000777";
const smallUin = "100000000778";
const serviceId = "vpcsvc-bench0001";
const createdAt = Clock.date().toISOString();
const seeded = (owner: string, from: number, count: number) =>
  Array.from({ length: count }, (_, k) =>
    endpointItem({
      i: from + k,
      uin: owner,
      serviceId,
      serviceOwnerUin: "100000000776",
      vpcId: "vpc-bench0001",
      subnetId: "subnet-bench001",
      createdAt,
    }),
  );
const endpoints = seeded(uin, 0, ENDPOINTS);
const ids = endpoints.map((e) => String(e.id));
const mib = (n: number) => (n / 1024 / 1024).toFixed(1);

try {
  // The metric consumer's cost is paid after ingest answers: it is timed on its own below rather than
  // mixed into the pairs. Neither poller reads the stream meanwhile: reading a stream costs an AWS table
  // nothing, but DynamoDB Local serves it on the same two cores, and it would fall on whichever side
  // runs after the other's writes. The entity consumer stays stopped (nothing below needs it), or its
  // reading through the pairs' backlog would fall on the rollup's timing.
  await runtime.metricPoller.stop();
  await runtime.poller.stop();
  await batchWrite(endpoints, 8);
  const now = Math.floor(Clock.now() / 1000);
  await ingestVsFloor(now);
  await streamApply();
  await rollupVsFloor(now - (now % HOUR) - 2 * HOUR);
  await exportPasses(now);
} finally {
  await runtime.stop();
}

/** One hour of samples for every endpoint, and the minute items ingest writes for them. */
function hourOf(hour: number) {
  const samples = ids.flatMap((id, i) =>
    Array.from({ length: 60 }, (_, m) => ({
      resourceId: id,
      timestamp: hour + m * 60,
      metrics: Object.fromEntries(SAMPLE_METRICS.map((name, k) => [name, (i * 7 + m * 13 + k) % 1000])),
    })),
  );
  const items = samples.map((s) => ({
    ...Keys.metricMinute(s.resourceId, s.timestamp),
    ...Keys.metricHourMarker(s.resourceId, s.timestamp),
    type: "MetricMinute",
    v: 1,
    resourceId: s.resourceId,
    serviceId,
    connected: true,
    summedBy: ServiceMinutes.SUMMED_BY,
    t: s.timestamp,
    expiresAt: s.timestamp - (s.timestamp % HOUR) + HOUR + 7 * DAY,
    ...Object.fromEntries(Object.entries(s.metrics).map(([k, v]) => [attr.minute(k as never), v])),
  }));
  return { samples, items };
}

async function ingest(samples: unknown[]): Promise<void> {
  for (let i = 0; i < samples.length; i += MetricIngest.MAX_SAMPLES)
    await MetricIngest.ingest({ samples: samples.slice(i, i + MetricIngest.MAX_SAMPLES) });
}

/** 1. Pairs of (ingest, floor), each on fresh hours, the order alternating; the median ratio. */
async function ingestVsFloor(now: number): Promise<void> {
  const base = now - (now % HOUR) - 2 * HOUR;
  // Warm the table, both JITs (Node's and DynamoDB Local's JVM) and the connections with a whole hour
  // on each side that neither measures: with a few thousand items, the first pair's first side still ran
  // on a cold JVM, whichever side it was.
  await ingest(hourOf(base - 60 * HOUR).samples);
  await batchWrite(hourOf(base - 61 * HOUR).items, MetricIngest.CONCURRENCY);
  const ratios: number[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    // The first pair ingests the hour the rollup below reads.
    const ingestHour = hourOf(base - 2 * pair * HOUR);
    const floorHour = hourOf(base - (2 * pair + 1) * HOUR);
    let ingestSeconds = 0;
    let floorSeconds = 0;
    const sides = [
      async () => {
        const t0 = performance.now();
        await ingest(ingestHour.samples);
        ingestSeconds = seconds(t0);
      },
      async () => {
        const t0 = performance.now();
        await batchWrite(floorHour.items, MetricIngest.CONCURRENCY);
        floorSeconds = seconds(t0);
      },
    ];
    if (pair % 2 === 1) sides.reverse();
    for (const side of sides) await side();
    const n = ingestHour.samples.length;
    ratios.push(floorSeconds / ingestSeconds);
    console.log(
      `ingest pair ${pair + 1} (${pair % 2 ? "floor first" : "ingest first"}): ${Math.round(n / ingestSeconds)} samples/s vs floor ${Math.round(n / floorSeconds)} items/s → ${(floorSeconds / ingestSeconds).toFixed(2)}×`,
    );
  }
  console.log(
    `ingest: median ${median(ratios).toFixed(2)}× of a raw BatchWriteItem loop with ${MetricIngest.CONCURRENCY} requests in flight (goal ≥ 0.8×; ${PAIRS} pairs of ${ENDPOINTS} endpoints × 60 minutes, 1,000 samples a request)`,
  );
}

/** 1b. The metric stream's consumer, alone, applying what the pairs wrote to the service minutes. */
async function streamApply(): Promise<void> {
  const poller = runtime.metricPoller;
  const before = poller.delivered;
  const t0 = performance.now();
  poller.start();
  await poller.idle();
  const took = seconds(t0);
  const records = poller.delivered - before;
  const hour = ENDPOINTS * 60;
  console.log(
    `metric stream → service minutes: ${records} records in ${took.toFixed(1)} s, ${Math.round(records / took)} records/s (one hour of ${ENDPOINTS} endpoints, ${hour} records, ≈ ${((hour * took) / records).toFixed(1)} s after ingest answers)`,
  );
}

/** 2. The hourly rollup vs its floor: the same 16 shard Queries and the same bucket writes. */
async function rollupVsFloor(hour: number): Promise<void> {
  let t0 = performance.now();
  const rolled = await Rollup.rollPeriods("hourly", [hour]);
  const rollupSeconds = seconds(t0);
  t0 = performance.now();
  let read = 0;
  await Promise.all(
    Array.from({ length: METRIC_SHARDS }, async (_, shard) => {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await Db.client().send(
          new QueryCommand({
            TableName: Db.table(),
            IndexName: "gsi3",
            KeyConditionExpression: "gsi3pk = :pk",
            ExpressionAttributeValues: { ":pk": Keys.metricHourShard(hour, shard) },
            ExclusiveStartKey: start,
          }),
        );
        read += out.Items?.length ?? 0;
        start = out.LastEvaluatedKey;
      } while (start);
    }),
  );
  // The floor writes buckets of the same size as the rollup's: every sample metric's four values.
  const sameSize = bucketAttributes(
    Object.fromEntries(SAMPLE_METRICS.map((m) => [m, { sum: 123_456, min: 1, max: 999, count: 60 }])),
  );
  const floorBuckets = ids.concat(serviceId).map((id) => ({
    ...Keys.metricHour(id, hour),
    ...Keys.metricDayMarker(id, hour),
    type: "MetricHour",
    v: 1,
    resourceId: id,
    t: hour,
    expiresAt: hour + 93 * DAY,
    ...sameSize,
  }));
  await batchWrite(floorBuckets, 1);
  const floorSeconds = seconds(t0);
  console.log(
    `rollup-hourly: ${rolled.buckets} buckets from ${read} minutes in ${rollupSeconds.toFixed(1)} s vs floor ${floorSeconds.toFixed(1)} s → ${(rollupSeconds / floorSeconds).toFixed(2)}× (goal ≤ 1.3×)`,
  );
}

/** 3. The daily export: timed alone, then its live heap at two sizes, each in its own pass. */
async function exportPasses(now: number): Promise<void> {
  const day = now - (now % DAY) - DAY;
  const small = seeded(smallUin, ENDPOINTS, Math.max(1, Math.floor(ENDPOINTS / 4)));
  await batchWrite(small, 8);
  await seedHourlyBuckets(day, ids.concat(small.map((e) => String(e.id))));
  await Db.client().send(
    new PutCommand({
      TableName: Db.table(),
      Item: {
        ...Keys.rollupWatermark("hourly"),
        type: "RollupWatermark",
        v: 1,
        last: now - (now % HOUR) - HOUR,
      },
    }),
  );
  useObjectStore(new FolderStore(mkdtempSync(join(tmpdir(), "lp-bench-exports-"))));
  const define = (owner: string, name: string) =>
    MetricExport.create(owner, {
      name,
      resources: "all",
      metrics: ["BytesIn", "NewConnections"],
      granularity: "1h",
      format: "csv",
      schedule: "daily",
    });

  const timed = await define(uin, "timed");
  const t0 = performance.now();
  await MetricExportFiles.exportPeriod(uin, timed.id, day);
  const exportSeconds = seconds(t0);
  const run = (await MetricExport.runs(uin, timed.id, { limit: 1 })).items[0];
  console.log(
    `metric export: ${run?.rows} rows, ${mib(run?.bytes ?? 0)} MiB in ${exportSeconds.toFixed(1)} s (no sampling in this pass)`,
  );

  const peaks: string[] = [];
  for (const [owner, count] of [
    [smallUin, small.length],
    [uin, ENDPOINTS],
  ] as const) {
    const exp = await define(owner, `memory-${count}`);
    // Live heap: sampled after forced collections, so it is what the export holds, not its garbage.
    global.gc?.();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const sampler = setInterval(() => {
      global.gc?.();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 100);
    await MetricExportFiles.exportPeriod(owner, exp.id, day);
    clearInterval(sampler);
    peaks.push(`${count} endpoints +${mib(peak - baseline)} MiB`);
  }
  console.log(
    `metric export live heap peak: ${peaks.join(", ")}${global.gc ? "" : " (run with --expose-gc for live heap)"}`,
  );
}

async function seedHourlyBuckets(day: number, resourceIds: string[]): Promise<void> {
  const buckets = resourceIds.flatMap((id) =>
    Array.from({ length: 24 }, (_, h) => ({
      ...Keys.metricHour(id, day + h * HOUR),
      type: "MetricHour",
      v: 1,
      resourceId: id,
      t: day + h * HOUR,
      ...bucketAttributes({
        BytesIn: { sum: 100 + h, min: 1, max: 50, count: 60 },
        NewConnections: { sum: 7, min: 0, max: 2, count: 60 },
      }),
    })),
  );
  await batchWrite(buckets, 8);
}

/**
 * Metrics numbers against DynamoDB Local, in one run (`npm run bench`):
 *   1. ingest throughput vs a raw BatchWriteItem loop writing the same minute items (goal ≥ 0.8×);
 *   2. the hourly rollup of 2,000 endpoints × 60 minutes vs the floor of the Queries and writes it
 *      needs: the same shard Queries and bucket BatchWrites with nothing else (goal ≤ 1.3×);
 *   3. peak heap of the scheduled export of 2,000 endpoints × 24 hours.
 * Prints ratios and numbers; asserts nothing.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchWriteCommand, type BatchWriteCommandOutput, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../core/db/client.ts";
import { Keys, METRIC_SHARDS } from "../core/db/keys.ts";
import { MetricExport } from "../core/metrics/exports.ts";
import { MetricIngest } from "../core/metrics/ingest.ts";
import { attr, bucketAttributes, DAY, HOUR, SAMPLE_METRICS } from "../core/metrics/model.ts";
import { Rollup } from "../core/metrics/rollup.ts";
import { FolderStore, useObjectStore } from "../core/storage/index.ts";
import { setLogSink } from "../core/util/log.ts";
import { startLocal } from "../infra/local/runtime.ts";

process.env.LINKPLANE_LOG_LEVEL = "silent";
setLogSink(() => {});
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 2000);
const runtime = await startLocal({
  inMemory: true,
  port: 0,
  dataDir: `/tmp/linkplane-bench-${randomBytes(4).toString("hex")}`,
  scheduler: false,
});

async function batchWrite(items: Record<string, unknown>[], inFlight = 1): Promise<void> {
  const pending: Promise<void>[] = [];
  for (let i = 0; i < items.length; i += 25) {
    const chunk = items.slice(i, i + 25);
    pending.push(
      (async () => {
        let requests: unknown[] | undefined = chunk.map((Item) => ({ PutRequest: { Item } }));
        while (requests?.length) {
          const out: BatchWriteCommandOutput = await Db.client().send(
            new BatchWriteCommand({ RequestItems: { [Db.table()]: requests as never } }),
          );
          requests = out.UnprocessedItems?.[Db.table()];
        }
      })(),
    );
    if (pending.length >= inFlight) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const uin = "100000000777";
const serviceId = "vpcsvc-bench0001";
const ids = Array.from({ length: ENDPOINTS }, (_, i) => `vpce-${i.toString(36).padStart(8, "0")}`);
const createdAt = new Date().toISOString();

try {
  // Endpoints in the stored shape (ingest checks them; the export lists them).
  await batchWrite(
    ids.map((id) => ({
      ...Keys.endpoint(id),
      ...Keys.endpointListing(uin, "ap-guangzhou", serviceId, createdAt, id),
      type: "Endpoint",
      v: 1,
      id,
      endpointServiceId: serviceId,
      state: "available",
      ownerUin: uin,
      region: "ap-guangzhou",
      name: id,
      createdAt,
    })),
    8,
  );

  const now = Math.floor(Date.now() / 1000);
  await ingestAndRollup(now);

  // 3. A daily export of 2,000 endpoints × 24 hourly buckets: seed the buckets, export, watch the heap.
  const day = now - (now % DAY) - DAY;
  await seedHourlyBuckets(day);
  await Db.client().send(
    new BatchWriteCommand({
      RequestItems: {
        [Db.table()]: [
          {
            PutRequest: {
              Item: {
                ...Keys.rollupWatermark("hourly"),
                type: "RollupWatermark",
                v: 1,
                last: now - (now % HOUR) - HOUR,
              },
            },
          },
        ],
      },
    }),
  );
  useObjectStore(new FolderStore(mkdtempSync(join(tmpdir(), "lp-bench-exports-"))));
  const exp = await MetricExport.create(uin, {
    name: "bench",
    resources: "all",
    metrics: ["BytesIn", "NewConnections"],
    granularity: "1h",
    format: "csv",
    schedule: "daily",
  });
  // Heap after a forced collection, sampled through the export: what the export holds, not the
  // garbage it has made and not yet collected.
  global.gc?.();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  let peakRaw = baseline;
  const sampler = setInterval(() => {
    peakRaw = Math.max(peakRaw, process.memoryUsage().heapUsed);
    global.gc?.();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 250);
  const t0 = performance.now();
  await MetricExport.exportPeriod(uin, exp.id, day);
  clearInterval(sampler);
  const run = (await MetricExport.runs(uin, exp.id, { limit: 1 })).items[0];
  console.log(
    `metric export: ${run?.rows} rows, ${((run?.bytes ?? 0) / 1024 / 1024).toFixed(1)} MiB in ${seconds(t0).toFixed(1)} s; peak live heap +${((peak - baseline) / 1024 / 1024).toFixed(1)} MiB (after forced GCs), peak heap with garbage +${((peakRaw - baseline) / 1024 / 1024).toFixed(1)} MiB`,
  );
} finally {
  await runtime.stop();
}

/** Parts 1 and 2, in their own scope so their 120,000-sample arrays are garbage before part 3. */
async function ingestAndRollup(now: number): Promise<void> {
  // 1. Ingest vs the raw loop, over one hour of minutes for every endpoint.
  const hour = now - (now % HOUR) - 2 * HOUR;
  const samples = ids.flatMap((id, i) =>
    Array.from({ length: 60 }, (_, m) => ({
      resourceId: id,
      timestamp: hour + m * 60,
      metrics: Object.fromEntries(SAMPLE_METRICS.map((name, k) => [name, (i * 7 + m * 13 + k) % 1000])),
    })),
  );
  const rawItems = samples.map((s) => ({
    ...Keys.metricMinute(s.resourceId, s.timestamp),
    ...Keys.metricHourMarker(s.resourceId, s.timestamp),
    type: "MetricMinute",
    v: 1,
    resourceId: s.resourceId,
    serviceId,
    connected: true,
    t: s.timestamp,
    expiresAt: s.timestamp - (s.timestamp % HOUR) + HOUR + 7 * DAY,
    ...Object.fromEntries(Object.entries(s.metrics).map(([k, v]) => [attr.minute(k as never), v])),
  }));
  let t0 = performance.now();
  await batchWrite(rawItems, 1);
  const rawRate = rawItems.length / seconds(t0);
  t0 = performance.now();
  for (let i = 0; i < samples.length; i += MetricIngest.MAX_SAMPLES)
    await MetricIngest.ingest({ samples: samples.slice(i, i + MetricIngest.MAX_SAMPLES) });
  const ingestRate = samples.length / seconds(t0);
  console.log(
    `ingest: ${Math.round(ingestRate)} samples/s through MetricIngest (1,000 a request) vs ${Math.round(rawRate)} items/s raw BatchWriteItem loop → ${(ingestRate / rawRate).toFixed(2)}× (goal ≥ 0.8×; ${samples.length} samples, ${ENDPOINTS} endpoints)`,
  );

  // 2. The hourly rollup vs its floor: the same 16 shard Queries and the same bucket writes.
  t0 = performance.now();
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

async function seedHourlyBuckets(day: number): Promise<void> {
  const buckets = ids.flatMap((id) =>
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

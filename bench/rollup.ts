/**
 * The hourly rollup fanned out, against DynamoDB Local (`npm run bench:rollup`; part of `npm run bench`;
 * `-- --quick` for a small size): one hour of BENCH_ROLLUP_ENDPOINTS endpoints (20,000) × 60 minutes,
 *   1. rolled by the job with its 16 shard tasks on 1 worker and on BENCH_ROLLUP_WORKERS workers (4),
 *      alternating, BENCH_PAIRS pairs; the median wall time of each;
 *   2. the per-shard time (median and most) of the 1-worker runs, where shards do not share the cores,
 *      and the AWS estimate built from it: at 100,000 endpoints a shard holds 100,000 / N times the
 *      minutes, and the 16 shard workers run side by side, each in its own Lambda;
 *   3. rolled in one invocation (`Rollup.rollPeriods`, what the job did before the fan-out), once, last.
 * Every run rolls the same hour afresh (a new round). Prints numbers; asserts nothing.
 */
import { randomBytes } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../core/db/client.ts";
import * as Keys from "../core/db/keys.ts";
import { attr, DAY, HOUR, SAMPLE_METRICS } from "../core/metrics/model.ts";
import { Rollup } from "../core/metrics/rollup.ts";
import { ServiceMinutes } from "../core/metrics/service-minutes.ts";
import { setLogSink } from "../core/util/log.ts";
import { Clock } from "../core/util/time.ts";
import { startLocal } from "../infra/local/runtime.ts";
import { batchWrite, median, seconds, size } from "./support.ts";

process.env.LINKPLANE_LOG_LEVEL = "silent";
// A million-item hour on DynamoDB Local answers some calls slowly (a page deep into a 75,000-item shard
// partition, 16 of them at once in one invocation): wait, as a job would.
process.env.LINKPLANE_DYNAMODB_REQUEST_TIMEOUT_MS ??= "120000";
setLogSink(() => {});
const ENDPOINTS = size("BENCH_ROLLUP_ENDPOINTS", 20_000, 400);
const WORKERS = size("BENCH_ROLLUP_WORKERS", 4, 4);
const PAIRS = size("BENCH_PAIRS", 2, 1);
/** Endpoints per service: a service's hour is summed from its endpoints in every shard. */
const PER_SERVICE = 500;
const AWS_ENDPOINTS = 100_000;

const runtime = await startLocal({
  inMemory: true,
  port: 0,
  dataDir: `/tmp/linkplane-bench-${randomBytes(4).toString("hex")}`,
  scheduler: false,
});

try {
  // Nothing below reads the stream: its pollers would only take the cores from the rollup.
  await runtime.metricPoller.stop();
  await runtime.poller.stop();
  const now = Math.floor(Clock.now() / 1000);
  const hour = now - (now % HOUR) - 3 * HOUR;
  const t0 = performance.now();
  await seedHour(hour);
  console.log(
    `rollup fan-out: seeded ${ENDPOINTS} endpoints × 60 minutes (${ENDPOINTS * 60} items) in ${seconds(t0).toFixed(0)} s`,
  );
  await rollAll(hour);
} finally {
  await runtime.stop();
}

/** The endpoint minute items ingest would write for one hour, straight to the table. */
async function seedHour(hour: number): Promise<void> {
  for (let from = 0; from < ENDPOINTS; from += 1000) {
    const items = Array.from({ length: Math.min(1000, ENDPOINTS - from) }, (_, k) => from + k).flatMap((i) =>
      Array.from({ length: 60 }, (_, m) => {
        const id = `vpce-${i.toString(36).padStart(8, "0")}`;
        const t = hour + m * 60;
        return {
          ...Keys.metricMinute(id, t),
          ...Keys.metricHourMarker(id, t),
          type: "MetricMinute",
          v: 1,
          resourceId: id,
          serviceId: `vpcsvc-${Math.floor(i / PER_SERVICE)
            .toString(36)
            .padStart(8, "0")}`,
          connected: true,
          summedBy: ServiceMinutes.SUMMED_BY,
          t,
          expiresAt: hour + HOUR + 7 * DAY,
          ...Object.fromEntries(
            SAMPLE_METRICS.map((name, k) => [attr.minute(name), (i * 7 + m * 13 + k) % 1000]),
          ),
        };
      }),
    );
    await batchWrite(items, 16);
  }
}

/** The job as it runs at ten past the next hour, from a watermark just before `hour`. */
async function job(hour: number, workers: number) {
  await Db.client().send(
    new PutCommand({
      TableName: Db.table(),
      Item: { ...Keys.rollupWatermark("hourly"), type: "RollupWatermark", v: 1, last: hour - HOUR },
    }),
  );
  const t0 = performance.now();
  const run = await Rollup.run("hourly", { now: new Date((hour + HOUR + 600) * 1000), workers });
  if (run.watermark !== hour) throw new Error(`the hour was not completed: watermark ${run.watermark}`);
  return { wall: seconds(t0), shards: run.shards, buckets: run.buckets };
}

async function rollAll(hour: number): Promise<void> {
  const one: number[] = [];
  const many: number[] = [];
  const shardMedian: number[] = [];
  const shardMax: number[] = [];
  const completing: number[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const sides = [
      async () => {
        const r = await job(hour, 1);
        one.push(r.wall);
        shardMedian.push((r.shards?.medianMs ?? 0) / 1000);
        shardMax.push((r.shards?.maxMs ?? 0) / 1000);
        completing.push((r.shards?.completeMs ?? 0) / 1000);
        console.log(
          `rollup fan-out, 1 worker: ${r.buckets} buckets in ${r.wall.toFixed(1)} s; per shard median ${((r.shards?.medianMs ?? 0) / 1000).toFixed(2)} s, most ${((r.shards?.maxMs ?? 0) / 1000).toFixed(2)} s; completing the hour ${((r.shards?.completeMs ?? 0) / 1000).toFixed(2)} s`,
        );
      },
      async () => {
        const r = await job(hour, WORKERS);
        many.push(r.wall);
        console.log(`rollup fan-out, ${WORKERS} workers: ${r.buckets} buckets in ${r.wall.toFixed(1)} s`);
      },
    ];
    if (pair % 2 === 1) sides.reverse();
    for (const side of sides) await side();
  }
  // Last: the one-invocation rollup (16 shard Queries at once) is the slowest part on DynamoDB Local.
  const t0 = performance.now();
  const once = await Rollup.rollPeriods("hourly", [hour]);
  const single = seconds(t0);
  console.log(
    `rollup one invocation: ${once.buckets} buckets in ${single.toFixed(1)} s (${Math.round((ENDPOINTS * 60) / single)} minutes/s)`,
  );
  const scale = AWS_ENDPOINTS / ENDPOINTS;
  const perShard = median(shardMedian);
  const most = median(shardMax);
  const complete = median(completing);
  console.log(
    `rollup fan-out: median wall ${median(one).toFixed(1)} s with 1 worker, ${median(many).toFixed(1)} s with ${WORKERS} (${(median(one) / median(many)).toFixed(2)}×; one invocation ${single.toFixed(1)} s) for ${ENDPOINTS} endpoints × 60 minutes on DynamoDB Local`,
  );
  // A shard at 100,000 endpoints holds `scale` times the minutes; the 16 run at once, so the hour takes
  // the slowest shard, then the completing step (it scales with the services, here also by `scale`).
  const wall = most * scale + complete * scale;
  console.log(
    `rollup AWS estimate at ${AWS_ENDPOINTS} endpoints: ${Math.round((AWS_ENDPOINTS * 60) / 16)} minutes a shard (${scale.toFixed(1)}× these); at the per-shard rate measured here a shard takes ${(perShard * scale).toFixed(0)} s (median), ${(most * scale).toFixed(0)} s (most), completing ${(complete * scale).toFixed(1)} s: the hour in about ${(wall / 60).toFixed(1)} min with the 16 in parallel (one Lambda each), vs ${((single * scale) / 60).toFixed(1)} min in one invocation at this machine's rate`,
  );
}

import * as heartbeat from "./heartbeat.ts";
import type { Job } from "./job.ts";
import * as metricExports from "./metric-exports.ts";
import * as rollupDaily from "./rollup-daily.ts";
import * as rollupHourly from "./rollup-hourly.ts";
import * as webhookRetry from "./webhook-retry.ts";

/**
 * Job name → its definition, for the operator's "run now" and the local scheduler. A Map, because the
 * name comes from the caller's URL: `constructor` must not find Object's.
 */
export const jobs: ReadonlyMap<string, Job> = new Map(
  [heartbeat.job, rollupHourly.job, rollupDaily.job, metricExports.job, webhookRetry.job].map((job) => [
    job.name,
    job,
  ]),
);

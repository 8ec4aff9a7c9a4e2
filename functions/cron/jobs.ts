import * as heartbeat from "./heartbeat.ts";
import type { Job } from "./job.ts";
import * as metricExports from "./metric-exports.ts";
import * as rollupDaily from "./rollup-daily.ts";
import * as rollupHourly from "./rollup-hourly.ts";
import * as webhookRetry from "./webhook-retry.ts";

/** Job name → its definition, for the operator's "run now" and the local scheduler. */
export const jobs: Record<string, Job> = {
  [heartbeat.job.name]: heartbeat.job,
  [rollupHourly.job.name]: rollupHourly.job,
  [rollupDaily.job.name]: rollupDaily.job,
  [metricExports.job.name]: metricExports.job,
  [webhookRetry.job.name]: webhookRetry.job,
};

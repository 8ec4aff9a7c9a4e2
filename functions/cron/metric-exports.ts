import { MetricExport } from "../../core/metrics/exports.ts";
import { defineJob } from "./job.ts";

export const job = defineJob("metric-exports", async (event) => ({
  ...(await MetricExport.runDue(new Date(event.time))),
}));
export const handler = job.handler;

import { MetricExportFiles } from "../../core/metrics/export-files.ts";
import { defineJob } from "./job.ts";

export const job = defineJob("metric-exports", async (event) => ({
  ...(await MetricExportFiles.runDue(new Date(event.time))),
}));
export const handler = job.handler;

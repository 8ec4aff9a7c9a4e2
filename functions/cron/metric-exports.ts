import { MetricExportFiles } from "../../core/metrics/export-files.ts";
// Every run writes to the bucket in AWS: the S3 client is loaded at start, not on first use.
import "../../core/storage/s3.ts";
import { defineJob } from "./job.ts";

export const job = defineJob("metric-exports", async (event) => ({
  ...(await MetricExportFiles.runDue(new Date(event.time))),
}));
export const handler = job.handler;

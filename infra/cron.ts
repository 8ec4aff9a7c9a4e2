import { functionArgs } from "./environment";
import { cronJobs } from "./plan";

/** One EventBridge Scheduler schedule per job of the registry (functions/cron/schedules.ts). */
for (const job of cronJobs()) {
  new sst.aws.CronV2(job.name, {
    schedule: job.schedule,
    event: job.event,
    function: { ...functionArgs(job.handler, job.links), timeout: "900 seconds" },
  });
}

import { functionDefaults } from "./environment";
import { cronJobs } from "./plan";

/** One EventBridge rule per job of the schedule registry (functions/cron/schedules.ts). */
for (const job of cronJobs()) {
  new sst.aws.Cron(job.name, {
    schedule: job.schedule,
    function: { ...functionDefaults, handler: job.handler, timeout: "900 seconds" },
  });
}

import * as heartbeat from "./heartbeat.ts";
import type { Job } from "./job.ts";

/** Job name → its definition, for the operator's "run now" and the local scheduler. */
export const jobs: Record<string, Job> = {
  [heartbeat.job.name]: heartbeat.job,
};

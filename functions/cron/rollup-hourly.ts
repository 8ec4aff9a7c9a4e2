import { Rollup } from "../../core/metrics/rollup.ts";
import { defineJob } from "./job.ts";

export const job = defineJob("rollup-hourly", async (event) => ({
  ...(await Rollup.run("hourly", { now: new Date(event.time) })),
}));
export const handler = job.handler;

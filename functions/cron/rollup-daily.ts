import { Rollup } from "../../core/metrics/rollup.ts";
import { defineJob } from "./job.ts";

export const job = defineJob("rollup-daily", async (event) => ({
  ...(await Rollup.run("daily", { now: new Date(event.time) })),
}));
export const handler = job.handler;

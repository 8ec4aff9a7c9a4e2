import { Heartbeat } from "../../core/system/heartbeat.ts";
import { defineJob } from "./job.ts";

export const job = defineJob("heartbeat", async () => ({ beatAt: await Heartbeat.beat(new Date()) }));
export const handler = job.handler;

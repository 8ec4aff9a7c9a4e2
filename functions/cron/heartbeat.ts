import { Heartbeat } from "../../core/system/heartbeat.ts";
import { Clock } from "../../core/util/time.ts";
import { defineJob } from "./job.ts";

export const job = defineJob("heartbeat", async () => ({ beatAt: await Heartbeat.beat(Clock.date()) }));
export const handler = job.handler;

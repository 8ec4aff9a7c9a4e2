import { WebhookDelivery, WebhookDispatcher } from "../../core/webhook/index.ts";
import { defineJob } from "./job.ts";

/**
 * Attempts every webhook message that is due: retries on their schedule, and any first attempt whose
 * worker died (its lease ran out). Waits for the attempts, each subscription in its own queue.
 */
export async function retryDue(now: Date, limit = 1000) {
  const jobs = await WebhookDelivery.claimDue(now, limit);
  let delivered = 0;
  let failed = 0;
  const counting = new WebhookDispatcher({
    timerHorizonMs: 0,
    onOutcome: (o) => {
      if (o.message?.status === "delivered") delivered++;
      else failed++;
    },
  });
  await counting.dispatch(jobs);
  await counting.idle();
  return { attempted: jobs.length, delivered, notDelivered: failed };
}

export const job = defineJob("webhook-retry", async (event) => retryDue(new Date(event.time)));
export const handler = job.handler;

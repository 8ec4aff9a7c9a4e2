import * as z from "zod";
import { ServiceUnavailableError } from "../errors.ts";
import { sendMessages } from "../util/sqs.ts";
import type * as WebhookDelivery from "./delivery.ts";
import * as WebhookMessage from "./message.ts";
import * as WebhookLease from "./message-lease.ts";
import * as WebhookModel from "./model.ts";

/** What one queue message says: which webhook message to attempt, and under which lease. */
export const QueuedAttempt = z.object({
  ownerUin: z.string(),
  subscriptionId: z.string(),
  id: z.string(),
  trigger: z.enum(["initial", "retry", "manual"]),
  /** The lease the sender took; absent for a delayed retry, which claims the message when it runs. */
  lease: z.string().optional(),
});
export type QueuedAttempt = z.infer<typeof QueuedAttempt>;

/**
 * Sends attempts to the queue that functions/webhooks/deliver.ts drains (in AWS). Each message names
 * the webhook message and its lease; the body of the event stays in the table.
 */
export class WebhookQueueDispatcher {
  constructor(private readonly queueUrl: string) {}

  async dispatch(jobs: WebhookDelivery.Job[]): Promise<void> {
    await this.send(
      jobs.map((j) => ({
        body: {
          ownerUin: j.message.ownerUin,
          subscriptionId: j.message.subscriptionId,
          id: j.message.id,
          trigger: j.trigger,
          lease: j.message.lease,
        },
        delaySeconds: 0,
      })),
    );
  }

  /** A near retry (the 5-second one) rides a delayed queue message; later ones are the retry job's. */
  async followUp(outcome: WebhookDelivery.Outcome): Promise<void> {
    const next = outcome.message;
    if (next?.status !== "pending" || !next.dueAt) return;
    const delay = new Date(next.dueAt).getTime() - WebhookModel.now().getTime();
    if (delay > 60_000) return;
    await this.send([
      {
        body: { ownerUin: next.ownerUin, subscriptionId: next.subscriptionId, id: next.id, trigger: "retry" },
        delaySeconds: Math.max(0, Math.ceil(delay / 1000)),
      },
    ]);
  }

  async idle(): Promise<void> {}
  async stop(): Promise<void> {}

  private async send(entries: Array<{ body: QueuedAttempt; delaySeconds: number }>): Promise<void> {
    // The messages are in the table and their leases run out: the retry job attempts them.
    await sendMessages(
      this.queueUrl,
      entries,
      () => new ServiceUnavailableError("the webhook queue refused messages; the retry job will send them"),
    );
  }
}

/** The lease check the queue's consumer makes: only the lease named (or a fresh claim) may attempt. */
export async function leasedFor(q: QueuedAttempt, now: Date): Promise<WebhookMessage.Stored | undefined> {
  if (!q.lease) return WebhookLease.claim(q.subscriptionId, q.id, now);
  const message = await WebhookMessage.find(q.subscriptionId, q.id);
  if (message?.status !== "pending" || message.lease !== q.lease) return undefined;
  return message;
}

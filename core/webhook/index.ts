import { randomUUID } from "node:crypto";
import * as z from "zod";
import { validate } from "../validation.ts";
import * as WebhookDelivery from "./delivery.ts";
import * as WebhookDispatch from "./dispatch.ts";
import * as WebhookMessage from "./message.ts";
import * as WebhookLease from "./message-lease.ts";
import * as WebhookModel from "./model.ts";
import * as WebhookSubscription from "./subscription.ts";

// The stream's projections (events.ts, fanout.ts) are not re-exported: they read every entity, metric
// exports and so the S3 client among them, and a route that imports this module would carry them all.
export { WebhookDispatcher } from "./dispatch.ts";
export { WebhookDelivery, WebhookDispatch, WebhookLease, WebhookMessage, WebhookModel, WebhookSubscription };

/** What an account has attempted by hand: a test, a retry, recovery (history.ts reads its messages).
 * Every call is scoped by loading the caller's own subscription first, so another account's IDs answer
 * 404. */
export namespace Webhooks {
  export const TestResult = z.object({
    messageId: z.string(),
    delivered: z.boolean(),
    attempt: WebhookMessage.Attempt,
  });
  export type TestResult = z.infer<typeof TestResult>;

  /** Sends a `webhook.test` event now, to this subscription only, and answers the attempt. */
  export async function sendTest(uin: string, id: string): Promise<TestResult> {
    const subscription = await WebhookSubscription.load(uin, id, true);
    const now = WebhookModel.now();
    const eventId = WebhookModel.eventId(now, "webhook.test", id, randomUUID());
    const message = WebhookMessage.build({
      subscriptionId: id,
      ownerUin: uin,
      eventId,
      event: {
        type: "webhook.test",
        timestamp: now.toISOString(),
        data: { webhookId: id, message: "a test event from Linkplane" },
      },
      now,
    });
    await WebhookMessage.putNew([message]);
    // A test is sent even to a disabled subscription: checking the receiver is how one enables it again.
    const outcome = await WebhookDelivery.attempt({
      message,
      subscription: { ...subscription, enabled: true },
      trigger: "manual",
    });
    await WebhookDispatch.get().followUp(outcome);
    return {
      messageId: message.id,
      delivered: outcome.message?.status === "delivered",
      attempt: outcome.attempt,
    };
  }

  /** Attempts one message again now (any status), with a fresh schedule; answers it as it stands after. */
  export async function retry(uin: string, id: string, messageId: string): Promise<WebhookMessage.Detail> {
    const subscription = await WebhookSubscription.load(uin, id, true);
    const current = await WebhookMessage.load(id, messageId);
    const leased = await WebhookLease.reschedule(current, WebhookModel.now());
    const outcome = await WebhookDelivery.attempt({ message: leased, subscription, trigger: "manual" });
    await WebhookDispatch.get().followUp(outcome);
    return WebhookMessage.toDetail(outcome.message ?? leased);
  }

  export const RecoverInput = z.strictObject({ since: z.iso.datetime({ offset: true }) });

  /**
   * Schedules every failed message since a time again; they go out through the dispatcher (each
   * subscription's own queue), so the answer does not wait for the receiver.
   */
  export async function recover(uin: string, id: string, input: unknown): Promise<{ scheduled: number }> {
    const { since } = validate(RecoverInput, input);
    const subscription = await WebhookSubscription.load(uin, id, true);
    const jobs: WebhookDelivery.Job[] = [];
    for await (const failed of WebhookMessage.failedSince(id, new Date(since))) {
      const leased = await WebhookLease.reschedule(failed, WebhookModel.now()).catch(() => undefined);
      if (leased) jobs.push({ message: leased, subscription, trigger: "manual" });
    }
    await WebhookDispatch.get().dispatch(jobs);
    return { scheduled: jobs.length };
  }
}

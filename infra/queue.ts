import { webhookDelivery } from "./plan";

/** Webhook deliveries that failed every receive, kept for inspection (the records keep their own retries). */
export const webhookDeadLetters = new sst.aws.Queue("WebhookDeadLetters", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

/** Delivery jobs the stream consumer and the webhook routes send; consumed in infra/webhooks.ts. */
export const webhookQueue = new sst.aws.Queue("WebhookQueue", {
  visibilityTimeout: webhookDelivery.visibilityTimeout,
  dlq: { queue: webhookDeadLetters.arn, retry: webhookDelivery.maxReceiveCount },
});

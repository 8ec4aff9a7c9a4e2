import { rollupShardWorker, webhookDelivery } from "./plan";

/** Webhook deliveries that failed every receive, kept for inspection (the records keep their own retries). */
export const webhookDeadLetters = new sst.aws.Queue("WebhookDeadLetters", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

/**
 * Delivery jobs: sent by the stream consumer, the webhook routes (test, retry, recover) and the delivery
 * function itself (a near retry rides a delayed message); drained by infra/webhooks.ts.
 */
export const webhookQueue = new sst.aws.Queue("WebhookDeliveries", {
  visibilityTimeout: webhookDelivery.visibilityTimeout,
  dlq: { queue: webhookDeadLetters.arn, retry: webhookDelivery.maxReceiveCount },
});

/**
 * What senders link to (core/links.ts reads it as `WebhookQueue`): the URL and `sqs:SendMessage` on
 * this queue alone. A Queue's own link would grant `sqs:*` (purge and delete included); receiving is
 * granted to the consumer by its subscription.
 */
export const webhookQueueLink = new sst.Linkable("WebhookQueue", {
  properties: { url: webhookQueue.url },
  include: [sst.aws.permission({ actions: ["sqs:SendMessage"], resources: [webhookQueue.arn] })],
});

/** Shard tasks that failed every receive: their rounds stay open and the next job run resends them. */
export const rollupShardDeadLetters = new sst.aws.Queue("RollupShardDeadLetters", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

/** The hourly rollup's shard tasks: sent by rollup-hourly, drained by infra/rollup.ts. */
export const rollupShardQueue = new sst.aws.Queue("RollupShards", {
  visibilityTimeout: rollupShardWorker.visibilityTimeout,
  dlq: { queue: rollupShardDeadLetters.arn, retry: rollupShardWorker.maxReceiveCount },
});

/** What the job links to (core/links.ts reads it as `RollupQueue`): the URL and `sqs:SendMessage` only. */
export const rollupQueueLink = new sst.Linkable("RollupQueue", {
  properties: { url: rollupShardQueue.url },
  include: [sst.aws.permission({ actions: ["sqs:SendMessage"], resources: [rollupShardQueue.arn] })],
});

import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { log } from "../../core/util/log.ts";
import { WebhookDelivery, WebhookDispatch, WebhookModel } from "../../core/webhook/index.ts";
import { leasedFor, QueuedAttempt } from "../../core/webhook/queue.ts";

/**
 * The queue's consumer in AWS: each record names a webhook message and its lease. A record SQS delivers
 * twice finds the lease released (or the message no longer pending) and does nothing. Attempts of one
 * batch run side by side; a record whose bookkeeping failed is reported for SQS to deliver again.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: Array<{ itemIdentifier: string }> = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const parsed = QueuedAttempt.safeParse(JSON.parse(record.body));
        if (!parsed.success) {
          log.warn("webhook queue record is not an attempt; dropped", { messageId: record.messageId });
          return;
        }
        const message = await leasedFor(parsed.data, WebhookModel.now());
        if (!message) return;
        const outcome = await WebhookDelivery.attempt({ message, trigger: parsed.data.trigger });
        await WebhookDispatch.get().followUp(outcome);
      } catch (error) {
        log.error("webhook attempt failed to run; SQS delivers the record again", {
          messageId: record.messageId,
          error,
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
}

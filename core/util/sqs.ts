import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import * as Config from "../config.ts";

let client: SQSClient | undefined;
function sqs(): SQSClient {
  client ??= new SQSClient({ region: Config.get().awsRegion });
  return client;
}

/** For tests: the client to send with. */
export function useSqsClient(next: SQSClient | undefined): void {
  client = next;
}

/**
 * Sends messages to a queue, 10 a SendMessageBatch; entries SQS reports failed are sent again, five
 * tries in all, after which `giveUp()` is thrown (the caller says what happens to them then).
 */
export async function sendMessages(
  queueUrl: string,
  entries: Array<{ body: unknown; delaySeconds?: number }>,
  giveUp: () => Error,
): Promise<void> {
  for (let i = 0; i < entries.length; i += 10) {
    let batch = entries.slice(i, i + 10).map((e, n) => ({
      Id: String(n),
      MessageBody: JSON.stringify(e.body),
      DelaySeconds: e.delaySeconds ?? 0,
    }));
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt === 5) throw giveUp();
      const out = await sqs().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
      const failed = new Set((out.Failed ?? []).map((f) => f.Id));
      batch = batch.filter((b) => failed.has(b.Id));
    }
  }
}

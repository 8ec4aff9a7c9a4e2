import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";

/**
 * SQS cannot run here: its client is mocked and what is sent is kept, for a test to hand to the delivery
 * function as the SQS event Lambda would build.
 */
export function captureSqsSends() {
  const sent: Array<{ body: string; delay: number }> = [];
  const mock = mockClient(SQSClient);
  mock
    .on(SendMessageBatchCommand)
    .callsFake((input: { Entries: Array<{ Id: string; MessageBody: string; DelaySeconds: number }> }) => {
      for (const e of input.Entries) sent.push({ body: e.MessageBody, delay: e.DelaySeconds });
      return {
        Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: "" })),
        Failed: [],
      };
    });
  return { sent, mock };
}

/** The SQS event Lambda's event source mapping delivers for these message bodies. */
export function sqsEvent(
  bodies: string[],
  queueArn = "arn:aws:sqs:us-east-1:123456789012:webhooks",
): SQSEvent {
  const now = String(Date.now());
  return {
    Records: bodies.map((body) => ({
      messageId: crypto.randomUUID(),
      receiptHandle: `handle-${crypto.randomUUID()}`,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: now,
        SenderId: "AIDAEXAMPLE",
        ApproximateFirstReceiveTimestamp: now,
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: queueArn,
      awsRegion: queueArn.split(":")[3] ?? "us-east-1",
    })),
  };
}

import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import * as Config from "../../core/config.ts";
import { WebhookDispatch } from "../../core/webhook/index.ts";
import { handler as deliver } from "../../functions/webhooks/deliver.ts";
import { call, created } from "../support/api.ts";
import { frozen as freeze } from "../support/clock.ts";
import {
  allow,
  consumer,
  endpoint,
  type Provider,
  provider,
  service,
  startStream,
} from "../support/privatelink.ts";
import { answer, type Receiver, startReceiver } from "../support/receiver.ts";
import { until } from "../support/wait.ts";

// As in AWS: the stream consumer hands attempts to SQS, and the delivery function drains it. SQS itself
// cannot run here, so its client is mocked; everything behind it (table, stream, receiver) is real.
process.env.LINKPLANE_WEBHOOK_ALLOW_PRIVATE = "true";
process.env.LINKPLANE_WEBHOOK_ALLOW_HTTP = "true";
process.env.LINKPLANE_WEBHOOK_QUEUE_URL =
  "https://sqs.ap-guangzhou.amazonaws.com/123456789012/linkplane-webhooks";
Config.reset();
WebhookDispatch.use(undefined);

const sqs = mockClient(SQSClient);
let sent: Array<{ body: string; delay: number }> = [];
let stream: ReturnType<typeof startStream>;
let receiver: Receiver;

beforeAll(async () => {
  stream = startStream();
  receiver = await startReceiver();
});
afterAll(async () => {
  await stream.poller.stop();
  await receiver.close();
  sqs.restore();
});
beforeEach(() => {
  sent = [];
  sqs.reset();
  sqs
    .on(SendMessageBatchCommand)
    .callsFake((input: { Entries: Array<{ Id: string; MessageBody: string; DelaySeconds: number }> }) => {
      for (const e of input.Entries) sent.push({ body: e.MessageBody, delay: e.DelaySeconds });
      return {
        Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: "" })),
        Failed: [],
      };
    });
});

function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}-${Math.random()}`,
      receiptHandle: "r",
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: String(Date.now()),
        SenderId: "AIDA",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:ap-guangzhou:123456789012:linkplane-webhooks",
      awsRegion: "ap-guangzhou",
    })),
  };
}

async function subscribed(): Promise<{ t: Provider; id: string }> {
  const p = await provider();
  const sub = await created(
    call("POST", "/v1/webhooks", { auth: p.auth, body: { url: receiver.url, events: ["*"] } }),
  );
  return { t: p, id: sub.id };
}

describe("webhook delivery through a queue (the AWS path)", () => {
  it("the stream only enqueues; the delivery function attempts once, and a record delivered twice sends once", async () => {
    // Prepare
    const { t: p } = await subscribed();
    const c = await consumer();
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const before = receiver.deliveries.length;
    // Act
    await created(endpoint(c, s.id));
    await until(() => sent.length >= 2, 10_000, "the queued attempts");
    const queuedOnly = receiver.deliveries.length;
    const first = await deliver(sqsEvent(sent.map((m) => m.body)));
    const again = await deliver(sqsEvent(sent.map((m) => m.body)));
    // Assess
    expect(queuedOnly).toBe(before);
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    const types = receiver.deliveries.slice(before).map((d) => d.event.type);
    expect(types.sort()).toEqual(["allowlist.added", "connection.requested"]);
    expect(sent.every((m) => JSON.parse(m.body).lease)).toBe(true);
  });

  it("a failed attempt's 5-second retry rides a delayed queue message that claims the message when due", async () => {
    // Prepare
    const clock = freeze();
    onTestFinished(() => clock.release());
    const { t, id } = await subscribed();
    receiver.behave(answer(500));
    const before = receiver.deliveries.length;
    // Act
    const test = await call("POST", `/v1/webhooks/${id}/test`, { auth: t.auth });
    const retry = sent.at(-1);
    const early = await deliver(sqsEvent([retry?.body ?? ""]));
    const afterEarly = receiver.deliveries.length;
    receiver.behave(answer(200));
    clock.advance(5_000);
    await deliver(sqsEvent([retry?.body ?? ""]));
    // Assess
    expect(test.body.delivered).toBe(false);
    expect(retry?.delay).toBe(5);
    expect(JSON.parse(retry?.body ?? "{}")).toMatchObject({ id: test.body.messageId, trigger: "retry" });
    expect(JSON.parse(retry?.body ?? "{}").lease).toBeUndefined();
    expect(early.batchItemFailures).toEqual([]);
    expect(afterEarly).toBe(before + 1);
    expect(receiver.deliveries.length).toBe(before + 2);
    const m = await call("GET", `/v1/webhooks/${id}/messages/${test.body.messageId}`, { auth: t.auth });
    expect(m.body).toMatchObject({ status: "delivered", attemptCount: 2 });
  });

  it("resends the entries SQS reports as failed", async () => {
    // Prepare
    let calls = 0;
    sqs.reset();
    sqs
      .on(SendMessageBatchCommand)
      .callsFake((input: { Entries: Array<{ Id: string; MessageBody: string }> }) => {
        calls++;
        const failFirst = calls === 1;
        for (const e of input.Entries.slice(failFirst ? 1 : 0)) sent.push({ body: e.MessageBody, delay: 0 });
        return {
          Successful: input.Entries.slice(failFirst ? 1 : 0).map((e) => ({
            Id: e.Id,
            MessageId: e.Id,
            MD5OfMessageBody: "",
          })),
          Failed: failFirst ? [{ Id: input.Entries[0]?.Id, SenderFault: false, Code: "InternalError" }] : [],
        };
      });
    const { t: p } = await subscribed();
    await created(call("POST", "/v1/webhooks", { auth: p.auth, body: { url: receiver.url, events: ["*"] } }));
    const c = await consumer();
    const s = await service(p);
    // Act: one change, two subscriptions, one batch of two entries of which the first fails once.
    await allow(p, s.id, c.uin);
    await until(() => sent.length === 2, 10_000, "both entries");
    // Assess
    expect(calls).toBe(2);
    expect(new Set(sent.map((m) => JSON.parse(m.body).subscriptionId)).size).toBe(2);
  });
});

import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { WEBHOOK_SHARDS } from "../db/keys.ts";
import { log } from "../util/log.ts";
import * as WebhookMessage from "./message.ts";
import * as WebhookLease from "./message-lease.ts";
import * as WebhookModel from "./model.ts";
import * as WebhookSignature from "./signature.ts";
import * as WebhookSubscription from "./subscription.ts";
import * as WebhookOutcome from "./subscription-outcome.ts";
import * as WebhookSecret from "./subscription-secret.ts";
import * as WebhookTransport from "./transport.ts";

/*
 * One attempt of one message: sign (Standard Webhooks), POST through the SSRF-safe transport, record the
 * outcome under the message's lease, and keep the subscription's failure clock. Never throws for a
 * receiver's fault: those are outcomes.
 * Imported as `import * as WebhookDelivery`: a bundle keeps only the functions its route calls.
 */

export const USER_AGENT = "Linkplane-Webhooks/0.1 (+https://github.com/linkplane/linkplane)";
/** A subscription whose every attempt failed this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 86_400_000;

export interface Job {
  /** Leased by the caller. */
  message: WebhookMessage.Stored;
  /** The subscription as read (the fan-out has it); read again when absent. */
  subscription?: WebhookSubscription.Stored | null;
  trigger: WebhookMessage.Attempt["trigger"];
}

export interface Outcome {
  message: WebhookMessage.Stored | undefined;
  attempt: WebhookMessage.Attempt;
}

/** The three Standard Webhooks headers and ours; every current secret signs (rotation overlap). */
export function headers(
  message: Pick<WebhookMessage.Stored, "id" | "payload">,
  secrets: string[],
  at: Date,
): Record<string, string> {
  const signature = secrets
    .map((secret) => WebhookSignature.sign(secret, message.id, at, message.payload))
    .join(" ");
  return {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "webhook-id": message.id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signature,
  };
}

/** One attempt, sent and recorded. */
export async function attempt(job: Job): Promise<Outcome> {
  return settle(await send(job));
}

/** An attempt made, not yet recorded. */
export interface Sent {
  job: Job;
  subscription: WebhookSubscription.Stored | undefined;
  attempt: WebhookMessage.Attempt;
  /** Nothing to send to (deleted or disabled): the message fails now. */
  final: boolean;
}

/**
 * The receiver's half: sign and POST. Split from `settle` so that a dispatcher can free the
 * receiver's slot as soon as it answered, while the bookkeeping is written.
 */
export async function send(job: Job): Promise<Sent> {
  const { message } = job;
  const subscription =
    job.subscription === undefined ? await loadSubscription(message) : (job.subscription ?? undefined);
  const at = WebhookModel.now();
  if (!subscription?.enabled) {
    // Recoverable once the subscription is enabled again.
    const attempt: WebhookMessage.Attempt = {
      at: at.toISOString(),
      statusCode: null,
      latencyMs: 0,
      error: subscription ? "subscription disabled" : "subscription deleted",
      response: "",
      trigger: job.trigger,
    };
    return { job, subscription, attempt, final: true };
  }
  const { timeoutMs } = Config.get().webhooks;
  const result = await WebhookTransport.send({
    url: subscription.url,
    headers: headers(message, WebhookSecret.signingSecrets(subscription, at), at),
    body: message.payload,
    timeoutMs,
    policy: WebhookSubscription.policy(),
  });
  const attempt: WebhookMessage.Attempt = {
    at: at.toISOString(),
    statusCode: result.status ?? null,
    latencyMs: Math.round(result.latencyMs),
    error: result.ok ? null : (result.error ?? `receiver answered ${result.status}`),
    response: result.response,
    trigger: job.trigger,
  };
  return { job, subscription, attempt, final: false };
}

/** The bookkeeping's half: the attempt under the message's lease, and the subscription's failure clock. */
export async function settle(sent: Sent): Promise<Outcome> {
  const stored = await WebhookLease.record(sent.job.message, sent.attempt, { final: sent.final });
  await failureClock(sent);
  return { message: stored, attempt: sent.attempt };
}

/** Many attempts' bookkeeping at once (batched writes where the leases allow), answered in order. */
export async function settleMany(sents: Sent[]): Promise<Outcome[]> {
  const stored = await WebhookLease.recordMany(
    sents.map((s) => ({ message: s.job.message, attempt: s.attempt, final: s.final })),
    WebhookModel.now(),
  );
  for (const sent of sents) await failureClock(sent);
  return sents.map((s, i) => ({ message: stored[i], attempt: s.attempt }));
}

async function failureClock(sent: Sent): Promise<void> {
  const { subscription, attempt } = sent;
  if (!subscription || sent.final) return;
  const ok = attempt.error === null;
  const disabled = await WebhookOutcome.recordOutcome(
    subscription,
    ok,
    new Date(attempt.at),
    DISABLE_AFTER_MS,
  );
  if (disabled) log.warn("webhook subscription disabled", { subscriptionId: subscription.id });
}

async function loadSubscription(
  message: WebhookMessage.Stored,
): Promise<WebhookSubscription.Stored | undefined> {
  const found = await subscriptions([message]);
  return found.get(message.subscriptionId);
}

/** The subscriptions of a set of messages, in BatchGetItems of 100. */
export async function subscriptions(
  messages: Array<Pick<WebhookMessage.Stored, "ownerUin" | "subscriptionId">>,
): Promise<Map<string, WebhookSubscription.Stored>> {
  const keys = new Map<string, { pk: string; sk: string }>();
  for (const m of messages) keys.set(m.subscriptionId, Keys.webhook(m.ownerUin, m.subscriptionId));
  const found = new Map<string, WebhookSubscription.Stored>();
  const all = [...keys.values()];
  for (let i = 0; i < all.length; i += 100) {
    let request: Record<string, unknown> | undefined = {
      [Db.table()]: { Keys: all.slice(i, i + 100), ConsistentRead: true },
    };
    for (let tries = 0; request && tries < 5; tries++) {
      const out = await call(() => Db.client().send(new BatchGetCommand({ RequestItems: request as never })));
      for (const item of out.Responses?.[Db.table()] ?? []) {
        const s = item as WebhookSubscription.Stored;
        found.set(s.id, s);
      }
      const rest = out.UnprocessedKeys?.[Db.table()];
      request = rest?.Keys?.length ? { [Db.table()]: rest } : undefined;
    }
  }
  return found;
}

/**
 * The retry job's work: claims every pending message due by `now` (each shard of the due index, at
 * most `limit` in one run) and answers the claimed jobs for the caller to attempt.
 */
export async function claimDue(now: Date, limit = 1000): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let shard = 0; shard < WEBHOOK_SHARDS && jobs.length < limit; shard++) {
    for await (const due of WebhookMessage.due(shard, now)) {
      const claimed = await WebhookLease.claim(due.subscriptionId, due.id, now);
      if (claimed) jobs.push({ message: claimed, trigger: "retry" });
      if (jobs.length >= limit) break;
    }
  }
  const subs = await subscriptions(jobs.map((j) => j.message));
  for (const job of jobs) job.subscription = subs.get(job.message.subscriptionId) ?? null;
  return jobs;
}

import { randomUUID } from "node:crypto";
import { BatchWriteCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { call, ifConditionHolds } from "../db/errors.ts";
import type { StoredBase } from "../db/keys.ts";
import * as Keys from "../db/keys.ts";
import { getItem, type Page, type PageParams, queryAll, queryPage } from "../db/page.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import * as WebhookModel from "./model.ts";

/*
 * One event for one subscription, and every attempt to deliver it. A message is written once (its ID is
 * derived from the event and the subscription, and the put is conditional), so a replayed change adds
 * nothing. Whoever attempts a message first takes its lease (a token on the item, with `dueAt` pushed
 * past the longest attempt); outcomes are written only under that lease, so the fast path, the retry
 * job and a manual retry never attempt one message at once.
 * Imported as `import * as WebhookMessage`: a bundle keeps only the functions its route calls.
 */

export const Status = z.enum(["pending", "delivered", "failed"]);
export type Status = z.infer<typeof Status>;

/** Delays before attempts 2..8; after the 8th failed attempt the message is `failed`. */
export const RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  10 * 3600_000,
] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** Longer than any attempt (15 s) with room for the bookkeeping: an expired lease means the worker died. */
export const LEASE_MS = 60_000;
/** Attempts kept per message, newest last. */
const KEEP_ATTEMPTS = 50;

export const Attempt = z.object({
  at: z.string(),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
  /** The first 1 KiB of the receiver's answer. */
  response: z.string(),
  trigger: z.enum(["initial", "retry", "manual"]),
});
export type Attempt = z.infer<typeof Attempt>;

export const Info = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: Status,
  createdAt: z.string(),
  nextAttemptAt: z.string().nullable(),
  attemptCount: z.number().int(),
  payload: z.record(z.string(), z.unknown()),
});
export type Info = z.infer<typeof Info>;

export const Detail = Info.extend({ attempts: z.array(Attempt) });
export type Detail = z.infer<typeof Detail>;

export interface Stored extends StoredBase {
  type: "WebhookMessage";
  id: string;
  subscriptionId: string;
  ownerUin: string;
  eventId: string;
  eventType: string;
  /** The body as sent, byte for byte, on every attempt. */
  payload: string;
  status: Status;
  createdAt: string;
  /** When a pending message may next be attempted (or when its lease runs out). */
  dueAt?: string;
  lease?: string;
  /** Attempts since the schedule last started (a manual retry starts it again). */
  roundAttempts: number;
  attemptCount: number;
  attempts: Attempt[];
  expiresAt: number;
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk?: string;
  gsi2sk?: string;
}

export function toInfo(s: Stored): Info {
  return {
    id: s.id,
    eventId: s.eventId,
    eventType: s.eventType,
    status: s.status,
    createdAt: s.createdAt,
    nextAttemptAt: s.status === "pending" ? (s.dueAt ?? null) : null,
    attemptCount: s.attemptCount ?? 0,
    payload: JSON.parse(s.payload) as Record<string, unknown>,
  };
}

export function toDetail(s: Stored): Detail {
  return { ...toInfo(s), attempts: s.attempts ?? [] };
}

/** A new pending message, leased to the caller (who attempts it at once). */
export function build(input: {
  subscriptionId: string;
  ownerUin: string;
  eventId: string;
  event: WebhookModel.Event;
  now: Date;
}): Stored {
  const id = WebhookModel.messageId(input.eventId, input.subscriptionId);
  const dueAt = new Date(input.now.getTime() + LEASE_MS).toISOString();
  const retention = Config.get().webhooks.retentionDays;
  return {
    ...Keys.webhookMessage(input.subscriptionId, id),
    ...Keys.webhookMessageStatus(input.subscriptionId, "pending", id),
    ...Keys.webhookDue(id, dueAt),
    type: "WebhookMessage",
    v: 1,
    id,
    subscriptionId: input.subscriptionId,
    ownerUin: input.ownerUin,
    eventId: input.eventId,
    eventType: input.event.type,
    payload: JSON.stringify(input.event),
    status: "pending",
    createdAt: input.now.toISOString(),
    dueAt,
    lease: randomUUID(),
    roundAttempts: 0,
    attemptCount: 0,
    attempts: [],
    expiresAt: Math.floor(input.now.getTime() / 1000) + retention * 86_400,
  };
}

/**
 * Writes new messages, each only if it does not exist yet; answers the ones written. Up to 100 go in
 * one transaction; a cancelled one (some already exist: a replay) falls back to one put each.
 */
export async function putNew(messages: Stored[]): Promise<Stored[]> {
  const written: Stored[] = [];
  for (let i = 0; i < messages.length; i += 100) {
    const chunk = messages.slice(i, i + 100);
    if (chunk.length > 1) {
      const made = await ifConditionHolds(() =>
        Db.client().send(
          new TransactWriteCommand({
            TransactItems: chunk.map((Item) => ({
              Put: { TableName: Db.table(), Item, ConditionExpression: "attribute_not_exists(pk)" },
            })),
          }),
        ),
      );
      if (made) {
        written.push(...chunk);
        continue;
      }
    }
    for (const item of chunk) {
      const made = await ifConditionHolds(() =>
        Db.client().send(
          new PutCommand({
            TableName: Db.table(),
            Item: item,
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        ),
      );
      if (made) written.push(item);
    }
  }
  return written;
}

/**
 * Takes the lease of a pending message that is due: answers the message as leased, or undefined when
 * someone else holds it, it is not due, or it is no longer pending.
 */
export async function claim(subscriptionId: string, id: string, now: Date): Promise<Stored | undefined> {
  const lease = randomUUID();
  const dueAt = new Date(now.getTime() + LEASE_MS).toISOString();
  const due = Keys.webhookDue(id, dueAt);
  const out = await ifConditionHolds(() =>
    Db.client().send(
      new UpdateCommand({
        TableName: Db.table(),
        Key: Keys.webhookMessage(subscriptionId, id),
        UpdateExpression: "SET lease = :lease, dueAt = :due, gsi2pk = :g2pk, gsi2sk = :g2sk",
        ConditionExpression: "#status = :pending AND dueAt <= :now",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":lease": lease,
          ":due": dueAt,
          ":g2pk": due.gsi2pk,
          ":g2sk": due.gsi2sk,
          ":pending": "pending",
          ":now": now.toISOString(),
        },
        ReturnValues: "ALL_NEW",
      }),
    ),
  );
  return out?.Attributes as Stored | undefined;
}

export type Next = { status: "delivered" } | { status: "failed" } | { status: "pending"; dueAt: Date };

/** What follows an attempt: delivered, the next attempt's time, or failed when the schedule is spent. */
export function next(roundAttempts: number, ok: boolean, at: Date): Next {
  if (ok) return { status: "delivered" };
  const delay = RETRY_DELAYS_MS[roundAttempts - 1];
  if (delay === undefined) return { status: "failed" };
  return { status: "pending", dueAt: new Date(at.getTime() + delay) };
}

/** The message as it stands once an attempt is recorded: lease released, status and due time moved. */
export function after(message: Stored, attempt: Attempt, final = false): Stored {
  const roundAttempts = (message.roundAttempts ?? 0) + 1;
  const ok = attempt.statusCode !== null && attempt.error === null;
  const outcome: Next = final ? { status: "failed" } : next(roundAttempts, ok, new Date(attempt.at));
  const { lease: _released, dueAt: _due, gsi2pk: _g2pk, gsi2sk: _g2sk, ...rest } = message;
  const item: Stored = {
    ...rest,
    ...Keys.webhookMessageStatus(message.subscriptionId, outcome.status, message.id),
    status: outcome.status,
    attempts: [...(message.attempts ?? []), attempt].slice(-KEEP_ATTEMPTS),
    attemptCount: (message.attemptCount ?? 0) + 1,
    roundAttempts,
  };
  if (outcome.status === "pending") {
    const dueAt = outcome.dueAt.toISOString();
    Object.assign(item, { dueAt, ...Keys.webhookDue(message.id, dueAt) });
  }
  return item;
}

/**
 * Records an attempt under the lease it was made with, and releases the lease. Answers the message as
 * stored now, or undefined when the lease was lost (the attempt is then not recorded: the holder of the
 * newer lease records its own).
 */
export async function record(
  message: Stored,
  attempt: Attempt,
  options: { final?: boolean } = {},
): Promise<Stored | undefined> {
  const item = after(message, attempt, options.final);
  const made = await ifConditionHolds(() =>
    Db.client().send(
      new PutCommand({
        TableName: Db.table(),
        Item: item,
        ConditionExpression: "lease = :mine",
        ExpressionAttributeValues: { ":mine": message.lease },
      }),
    ),
  );
  return made ? item : undefined;
}

/** A lease with this much left is safe to write under without a condition (see recordMany). */
const SAFE_LEASE_MS = 30_000;

/**
 * Records many attempts. While a lease is live nobody else writes its message (claims and manual
 * retries wait for it to run out), so items whose lease has half its time left go out in BatchWriteItems
 * of 25 without a condition; the rest take the conditional path one by one. Answers in order.
 */
export async function recordMany(
  entries: Array<{ message: Stored; attempt: Attempt; final?: boolean }>,
  now: Date,
): Promise<Array<Stored | undefined>> {
  const results: Array<Stored | undefined> = new Array(entries.length);
  const batched: Array<{ index: number; item: Stored }> = [];
  await Promise.all(
    entries.map(async (e, index) => {
      const leaseLeft = new Date(e.message.dueAt ?? 0).getTime() - now.getTime();
      if (e.message.lease && leaseLeft >= SAFE_LEASE_MS) {
        batched.push({ index, item: after(e.message, e.attempt, e.final) });
      } else {
        results[index] = await record(e.message, e.attempt, { final: e.final });
      }
    }),
  );
  for (let i = 0; i < batched.length; i += 25) {
    const chunk = batched.slice(i, i + 25);
    let requests: unknown[] | undefined = chunk.map((b) => ({ PutRequest: { Item: b.item } }));
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      if (attempt === 8) throw new Error("DynamoDB left webhook records unprocessed");
      if (attempt > 0) await new Promise((r) => setTimeout(r, 2 ** attempt * 10));
      const out = await call(() =>
        Db.client().send(new BatchWriteCommand({ RequestItems: { [Db.table()]: requests as never } })),
      );
      requests = out.UnprocessedItems?.[Db.table()];
    }
    for (const b of chunk) results[b.index] = b.item;
  }
  return results;
}

/** A subscription's messages, newest first, optionally in one status and of one event type. */
export async function list(
  subscriptionId: string,
  filter: { status?: Status; eventType?: string },
  page: PageParams,
): Promise<Page<Info>> {
  const typeFilter = filter.eventType
    ? {
        FilterExpression: "eventType = :type",
        ExpressionAttributeValues: { ":type": filter.eventType },
      }
    : undefined;
  const result = filter.status
    ? await queryPage({
        index: "gsi1",
        partition: Keys.webhookMessagesInStatus(subscriptionId, filter.status),
        page,
        filter: typeFilter,
      })
    : await queryPage({
        partition: Keys.webhookMessages(subscriptionId),
        sortPrefix: Keys.webhookMessagePrefix(),
        page,
        filter: typeFilter,
      });
  return { items: result.items.map((i) => toInfo(i as unknown as Stored)), nextCursor: result.nextCursor };
}

export async function find(
  subscriptionId: string,
  id: string,
  consistent = true,
): Promise<Stored | undefined> {
  if (!WebhookModel.MessageId.safeParse(id).success) return undefined;
  return (await getItem(Keys.webhookMessage(subscriptionId, id), consistent)) as Stored | undefined;
}

export async function load(subscriptionId: string, id: string): Promise<Stored> {
  const message = await find(subscriptionId, id);
  if (!message) throw new NotFoundError("webhook message", id);
  return message;
}

/**
 * Schedules a message again now, whatever its status, with a fresh retry schedule; answers it leased to
 * the caller, who attempts it at once. One whose attempt is in flight is a conflict.
 */
export async function reschedule(message: Stored, now: Date): Promise<Stored> {
  const lease = randomUUID();
  const dueAt = new Date(now.getTime() + LEASE_MS).toISOString();
  const due = Keys.webhookDue(message.id, dueAt);
  const status = Keys.webhookMessageStatus(message.subscriptionId, "pending", message.id);
  const out = await call(
    () =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.webhookMessage(message.subscriptionId, message.id),
          UpdateExpression:
            "SET #status = :pending, lease = :lease, dueAt = :due, roundAttempts = :zero, gsi1pk = :g1pk, gsi1sk = :g1sk, gsi2pk = :g2pk, gsi2sk = :g2sk",
          // Not while another attempt holds a live lease.
          ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(lease) OR dueAt <= :now)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":pending": "pending",
            ":lease": lease,
            ":due": dueAt,
            ":zero": 0,
            ":g1pk": status.gsi1pk,
            ":g1sk": status.gsi1sk,
            ":g2pk": due.gsi2pk,
            ":g2sk": due.gsi2sk,
            ":now": now.toISOString(),
          },
          ReturnValues: "ALL_NEW",
        }),
      ),
    {
      onConditionFailed: () =>
        new ConflictError("ResourceInUse", `an attempt of message ${message.id} is in flight; retry later`),
    },
  );
  return out.Attributes as Stored;
}

/** Failed messages of a subscription created at or after `since` (the recover route's work list). */
export async function* failedSince(subscriptionId: string, since: Date): AsyncGenerator<Stored> {
  const items = queryAll({
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk AND gsi1sk >= :from",
    ExpressionAttributeValues: {
      ":pk": Keys.webhookMessagesInStatus(subscriptionId, "failed"),
      ":from": WebhookModel.messageIdFloor(since),
    },
  });
  for await (const item of items) yield item as unknown as Stored;
}

/** Pending messages due by `now` in one shard (the retry job's Query), oldest due first. */
export async function* due(shard: number, now: Date): AsyncGenerator<Stored> {
  const items = queryAll({
    IndexName: "gsi2",
    KeyConditionExpression: "gsi2pk = :pk AND gsi2sk <= :now",
    ExpressionAttributeValues: { ":pk": Keys.webhookDueShard(shard), ":now": `${now.toISOString()}~` },
  });
  for await (const item of items) yield item as unknown as Stored;
}

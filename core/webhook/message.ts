import { randomUUID } from "node:crypto";
import { PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { ifConditionHolds } from "../db/errors.ts";
import type { StoredBase } from "../db/keys.ts";
import * as Keys from "../db/keys.ts";
import { getItem, type Page, type PageParams, queryAll, queryPage } from "../db/page.ts";
import { NotFoundError } from "../errors.ts";
import * as WebhookModel from "./model.ts";

/*
 * One event for one subscription, and every attempt to deliver it. A message is written once (its ID is
 * derived from the event and the subscription, and the put is conditional), so a replayed change adds
 * nothing. Whoever attempts a message first takes its lease (a token on the item, with `dueAt` pushed
 * past the longest attempt); outcomes are written only under that lease, so the fast path, the retry
 * job and a manual retry never attempt one message at once.
 * This is the model, the first write and the reads; the lease and the attempts written under it are
 * message-lease.ts.
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
/** Longer than any attempt (15 s) with room for the bookkeeping: an expired lease means the worker died. */
export const LEASE_MS = 60_000;

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

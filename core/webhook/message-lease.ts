import { randomUUID } from "node:crypto";
import { BatchWriteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call, ifConditionHolds } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { ConflictError } from "../errors.ts";
import { type Attempt, LEASE_MS, RETRY_DELAYS_MS, type Stored } from "./message.ts";

/*
 * Attempting a message under its lease (message.ts says why there is one): taking it, recording an
 * attempt's outcome under it, and scheduling a message again by hand. The retry schedule's arithmetic
 * (next, after) lives here because only recording an attempt applies it.
 * Imported as `import * as WebhookLease`: a bundle keeps only the functions its route calls.
 */

/** Attempts kept per message, newest last. */
const KEEP_ATTEMPTS = 50;

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

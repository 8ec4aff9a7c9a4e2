import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { ifConditionHolds } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import type { Stored } from "./subscription.ts";

/*
 * The failure clock the delivery keeps on each subscription: written after attempts, never by the
 * account, and each write conditional so that concurrent deliveries settle it once.
 * Imported as `import * as WebhookOutcome`: a bundle keeps only the functions its route calls.
 */

/**
 * Records an attempt's outcome for the 5-day rule: a success clears the failure clock, the first failure
 * starts it, and a failure 5 days after it started disables the subscription (once; answers "disabled").
 */
export async function recordOutcome(
  s: Pick<Stored, "id" | "ownerUin" | "failingSince">,
  ok: boolean,
  at: Date,
  disableAfterMs: number,
): Promise<"disabled" | undefined> {
  const key = Keys.webhook(s.ownerUin, s.id);
  if (ok) {
    if (s.failingSince) await conditionalUpdate(key, "REMOVE failingSince", "attribute_exists(pk)", {});
    return undefined;
  }
  if (!s.failingSince) {
    await conditionalUpdate(
      key,
      "SET failingSince = :at",
      "attribute_exists(pk) AND attribute_not_exists(failingSince)",
      { ":at": at.toISOString() },
    );
    return undefined;
  }
  const threshold = new Date(at.getTime() - disableAfterMs).toISOString();
  if (s.failingSince > threshold) return undefined;
  const disabled = await conditionalUpdate(
    key,
    "SET enabled = :no, disabledReason = :why, updatedAt = :at",
    // Only once, and only if no success came in meanwhile.
    "enabled = :yes AND failingSince <= :threshold",
    {
      ":no": false,
      ":yes": true,
      ":why": `every delivery attempt failed since ${s.failingSince}`,
      ":at": at.toISOString(),
      ":threshold": threshold,
    },
  );
  return disabled ? "disabled" : undefined;
}

/** An update that may lose to another writer (or find the subscription gone): answers whether it won. */
async function conditionalUpdate(
  key: { pk: string; sk: string },
  update: string,
  condition: string,
  values: Record<string, unknown>,
): Promise<boolean> {
  const made = await ifConditionHolds(() =>
    Db.client().send(
      new UpdateCommand({
        TableName: Db.table(),
        Key: key,
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
      }),
    ),
  );
  return made !== undefined;
}

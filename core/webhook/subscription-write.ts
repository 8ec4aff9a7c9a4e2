import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { transactWrite } from "../db/transact.ts";
import { InvalidParameterError, LimitExceededError, NotFoundError } from "../errors.ts";
import { resourceId } from "../util/id.ts";
import { validate } from "../validation.ts";
import * as WebhookModel from "./model.ts";
import {
  CreateInput,
  Id,
  type Info,
  policy,
  type Stored,
  toInfo,
  UpdateInput,
  type WithSecret,
} from "./subscription.ts";
import { newSecret, seal } from "./subscription-secret.ts";
import * as WebhookTransport from "./transport.ts";

/*
 * Creating, changing and deleting a subscription; the account's `webhookCount` moves in the same
 * transaction as the item, so the quota holds under concurrent requests.
 * Imported as `import * as WebhookSubscriptionWrite`: a bundle keeps only the functions its route calls.
 */

function checkedUrl(url: string): string {
  return WebhookTransport.checkUrl(url, policy()).toString();
}

/** Creates a subscription, counted against the account's quota in the same transaction. */
export async function create(uin: string, input: unknown): Promise<WithSecret> {
  const parsed = validate(CreateInput, input);
  const url = checkedUrl(parsed.url);
  const max = Config.get().webhooks.maxPerAccount;
  const id = resourceId("whk");
  const secret = newSecret();
  const at = WebhookModel.now().toISOString();
  const item: Stored = {
    ...Keys.webhook(uin, id),
    type: "WebhookSubscription",
    v: 1,
    id,
    ownerUin: uin,
    url,
    events: parsed.events,
    description: parsed.description ?? "",
    ...(parsed.serviceIds ? { serviceIds: parsed.serviceIds } : {}),
    enabled: parsed.enabled ?? true,
    sealedSecret: seal(secret, id),
    createdAt: at,
    updatedAt: at,
  };
  await transactWrite(
    [
      {
        Update: {
          TableName: Db.table(),
          Key: Keys.account(uin),
          UpdateExpression: "SET webhookCount = if_not_exists(webhookCount, :zero) + :one",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(webhookCount) OR webhookCount < :max)",
          ExpressionAttributeValues: { ":zero": 0, ":one": 1, ":max": max },
        },
      },
      { Put: { TableName: Db.table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
    ],
    {
      onCancelled: (reasons) =>
        reasons[0]?.Code === "ConditionalCheckFailed"
          ? new LimitExceededError(`an account may hold at most ${max} webhook subscriptions`)
          : undefined,
    },
  );
  return { ...toInfo(item), secret };
}

export async function update(uin: string, id: string, input: unknown): Promise<Info> {
  const parsed = validate(UpdateInput, input);
  if (Object.values(parsed).every((v) => v === undefined)) {
    throw new InvalidParameterError("MissingParameter", "the request changes nothing");
  }
  const sets = ["updatedAt = :at"];
  const removes: string[] = [];
  const values: Record<string, unknown> = { ":uin": uin, ":at": WebhookModel.now().toISOString() };
  if (parsed.url !== undefined) {
    sets.push("#url = :url");
    values[":url"] = checkedUrl(parsed.url);
  }
  if (parsed.events !== undefined) {
    sets.push("events = :events");
    values[":events"] = parsed.events;
  }
  if (parsed.description !== undefined) {
    sets.push("description = :description");
    values[":description"] = parsed.description;
  }
  if (parsed.enabled !== undefined) {
    sets.push("enabled = :enabled");
    values[":enabled"] = parsed.enabled;
    // Enabling again is the account's word that the receiver is back: the failure clock starts anew.
    if (parsed.enabled) removes.push("disabledReason", "failingSince");
  }
  if (parsed.serviceIds === null) removes.push("serviceIds");
  else if (parsed.serviceIds !== undefined) {
    sets.push("serviceIds = :serviceIds");
    values[":serviceIds"] = parsed.serviceIds;
  }
  const out = await call(
    () =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.webhook(uin, id),
          UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
          ConditionExpression: "ownerUin = :uin",
          ExpressionAttributeNames: parsed.url !== undefined ? { "#url": "url" } : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      ),
    { onConditionFailed: () => new NotFoundError("webhook", id) },
  );
  return toInfo(out.Attributes as Stored);
}

/** Deletes a subscription; its messages expire with their TTL and are never attempted again. */
export async function remove(uin: string, id: string): Promise<void> {
  if (!Id.safeParse(id).success) throw new NotFoundError("webhook", id);
  await transactWrite(
    [
      {
        Delete: {
          TableName: Db.table(),
          Key: Keys.webhook(uin, id),
          ConditionExpression: "ownerUin = :uin",
          ExpressionAttributeValues: { ":uin": uin },
        },
      },
      {
        Update: {
          TableName: Db.table(),
          Key: Keys.account(uin),
          UpdateExpression: "ADD webhookCount :minus",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":minus": -1 },
        },
      },
    ],
    {
      onCancelled: (reasons) =>
        reasons[0]?.Code === "ConditionalCheckFailed" ? new NotFoundError("webhook", id) : undefined,
    },
  );
}

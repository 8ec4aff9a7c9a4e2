import { randomBytes } from "node:crypto";
import { QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { call, ifConditionHolds } from "../db/errors.ts";
import type { StoredBase } from "../db/keys.ts";
import * as Keys from "../db/keys.ts";
import { getItem, type Page, type PageParams } from "../db/page.ts";
import { InternalError, InvalidParameterError, LimitExceededError, NotFoundError } from "../errors.ts";
import * as EndpointService from "../privatelink/service.ts";
import { Sealed } from "../util/crypto.ts";
import { resourceId } from "../util/id.ts";
import { validate } from "../validation.ts";
import * as WebhookModel from "./model.ts";
import * as WebhookTransport from "./transport.ts";

/*
 * Webhook subscriptions: an account's receivers, each with its URL, the events it wants, optionally the
 * services it cares about, and a signing secret. The secret (`whsec_` + base64 of 32 random bytes) is
 * answered at creation and at rotation only, and stored sealed with AES-256-GCM bound to the
 * subscription's ID, like credentials' keys. After a rotation the previous secret keeps signing for
 * 24 hours, so a receiver can roll its configuration without losing a delivery.
 * Imported as `import * as WebhookSubscription`: a bundle keeps only the functions its route calls.
 */

export const Id = z.string().regex(/^whk-[0-9a-z]{8}$/, "must look like whk-xxxxxxxx");
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

const Description = z
  .string()
  .max(255)
  .regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

const SUBSCRIBABLE = WebhookModel.EVENT_TYPES.filter((t) => t !== "webhook.test");

/** `["*"]` for every event, or the event names (at least one, no duplicates). */
const Events = z
  .array(
    z
      .string()
      .max(64)
      .refine((name) => name === "*" || (SUBSCRIBABLE as readonly string[]).includes(name), {
        error: (issue) =>
          `unknown event ${JSON.stringify(issue.input)}; use "*" or one of ${SUBSCRIBABLE.join(", ")}`,
      }),
  )
  .min(1)
  .max(SUBSCRIBABLE.length)
  .refine((e) => new Set(e).size === e.length, { error: "event names must be unique" })
  .refine((e) => !e.includes("*") || e.length === 1, {
    error: '"*" stands alone: it already means every event',
  });

const ServiceIds = z
  .array(EndpointService.Id)
  .min(1)
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, { error: "service IDs must be unique" });

export const CreateInput = z.strictObject({
  url: z.string().min(1).max(2048),
  events: Events,
  description: Description.optional(),
  enabled: z.boolean().optional(),
  serviceIds: ServiceIds.optional(),
});
export type CreateInput = z.infer<typeof CreateInput>;

/** `serviceIds: null` widens the subscription to every service again. */
export const UpdateInput = z.strictObject({
  url: z.string().min(1).max(2048).optional(),
  events: Events.optional(),
  description: Description.optional(),
  enabled: z.boolean().optional(),
  serviceIds: ServiceIds.nullable().optional(),
});
export type UpdateInput = z.infer<typeof UpdateInput>;

export const Info = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string(),
  serviceIds: z.array(z.string()).nullable(),
  enabled: z.boolean(),
  /** Why the server disabled it (every attempt failed for 5 days), until it is enabled again. */
  disabledReason: z.string().nullable(),
  /** Until then the previous secret signs too. */
  previousSecretExpiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Info = z.infer<typeof Info>;

/** What creation and rotation answer: the only times the secret leaves the server. */
export const WithSecret = Info.extend({ secret: z.string() });
export type WithSecret = z.infer<typeof WithSecret>;

export interface Stored extends StoredBase {
  type: "WebhookSubscription";
  id: string;
  ownerUin: string;
  url: string;
  events: string[];
  description: string;
  serviceIds?: string[];
  enabled: boolean;
  disabledReason?: string;
  sealedSecret: string;
  previousSealedSecret?: string;
  previousSecretExpiresAt?: string;
  /** Since when every attempt has failed (absent while the receiver answers). */
  failingSince?: string;
  createdAt: string;
  updatedAt: string;
}

export function toInfo(s: Stored): Info {
  const previous = s.previousSecretExpiresAt && s.previousSecretExpiresAt > WebhookModel.now().toISOString();
  return {
    id: s.id,
    url: s.url,
    events: s.events,
    description: s.description ?? "",
    serviceIds: s.serviceIds ?? null,
    enabled: s.enabled,
    disabledReason: s.disabledReason ?? null,
    previousSecretExpiresAt: previous ? (s.previousSecretExpiresAt as string) : null,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export function policy(): WebhookTransport.Policy {
  const { allowPrivate, allowHttp } = Config.get().webhooks;
  return { allowPrivate, allowHttp };
}

function encryptionKey(): Buffer {
  const key = Config.get().encryptionKey;
  if (!key) throw new InternalError("LINKPLANE_ENCRYPTION_KEY is not configured");
  return key;
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The secrets that sign a delivery now: the current one, and the previous one during its overlap. */
export function signingSecrets(s: Stored, at: Date = WebhookModel.now()): string[] {
  const secrets = [opened(s.sealedSecret, s.id)];
  if (s.previousSealedSecret && s.previousSecretExpiresAt && s.previousSecretExpiresAt > at.toISOString()) {
    secrets.push(opened(s.previousSealedSecret, `${s.id}#previous`));
  }
  return secrets;
}

/** Opened secrets by sealed text: a burst of deliveries to one subscription opens its secret once. */
const openedSecrets = new Map<string, string>();
function opened(sealed: string, aad: string): string {
  let secret = openedSecrets.get(sealed);
  if (secret === undefined) {
    secret = Sealed.open(encryptionKey(), sealed, aad);
    if (openedSecrets.size >= 1000) openedSecrets.clear();
    openedSecrets.set(sealed, secret);
  }
  return secret;
}

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
    sealedSecret: Sealed.seal(encryptionKey(), secret, id),
    createdAt: at,
    updatedAt: at,
  };
  await call(
    () =>
      Db.client().send(
        new TransactWriteCommand({
          TransactItems: [
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
        }),
      ),
    {
      onCancelled: (reasons) =>
        reasons[0]?.Code === "ConditionalCheckFailed"
          ? new LimitExceededError(`an account may hold at most ${max} webhook subscriptions`)
          : undefined,
    },
  );
  return { ...toInfo(item), secret };
}

/** The caller's own subscription; someone else's answers exactly like a missing one. */
export async function load(uin: string, id: string, consistent = false): Promise<Stored> {
  if (!Id.safeParse(id).success) throw new NotFoundError("webhook", id);
  const item = (await getItem(Keys.webhook(uin, id), consistent)) as Stored | undefined;
  if (!item) throw new NotFoundError("webhook", id);
  return item;
}

export async function get(uin: string, id: string): Promise<Info> {
  return toInfo(await load(uin, id));
}

/** Every subscription of an account (at most the quota, so one Query), newest first. */
export async function all(uin: string, consistent = false): Promise<Stored[]> {
  const out = await call(() =>
    Db.client().send(
      new QueryCommand({
        TableName: Db.table(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": Keys.account(uin).pk, ":prefix": Keys.webhookPrefix() },
        ConsistentRead: consistent,
      }),
    ),
  );
  const items = (out.Items ?? []) as Stored[];
  return items.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** Pages like every listing; the whole set is one Query (at most the quota), so the cursor is an offset. */
export async function list(uin: string, page: PageParams): Promise<Page<Info>> {
  let offset = 0;
  if (page.cursor) {
    offset = Number(Buffer.from(page.cursor, "base64url").toString("utf8"));
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw InvalidParameterError.value("cursor", "is not a cursor this listing handed out");
    }
  }
  const items = (await all(uin, true)).map(toInfo);
  const end = offset + page.limit;
  return {
    items: items.slice(offset, end),
    nextCursor: end < items.length ? Buffer.from(String(end)).toString("base64url") : null,
  };
}

/** Whether an event of this type (about this service, if any) goes to this subscription. */
export function wants(s: Stored, type: WebhookModel.EventType, serviceId: string | undefined): boolean {
  if (!s.enabled) return false;
  if (!(s.events.includes("*") || s.events.includes(type))) return false;
  // A service filter narrows service events only; account-wide events (exports, webhooks) still come.
  if (s.serviceIds && serviceId !== undefined && !s.serviceIds.includes(serviceId)) return false;
  return true;
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
  await call(
    () =>
      Db.client().send(
        new TransactWriteCommand({
          TransactItems: [
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
        }),
      ),
    {
      onCancelled: (reasons) =>
        reasons[0]?.Code === "ConditionalCheckFailed" ? new NotFoundError("webhook", id) : undefined,
    },
  );
}

/**
 * A new secret, answered once. The one it replaces keeps signing for 24 hours (both signatures in one
 * `webhook-signature` header, as the Standard Webhooks spec allows); a second rotation within that
 * window ends the older overlap.
 */
export async function rotateSecret(uin: string, id: string): Promise<WithSecret> {
  const current = await load(uin, id, true);
  const secret = newSecret();
  const now = WebhookModel.now();
  const previous = Sealed.open(encryptionKey(), current.sealedSecret, id);
  const out = await call(
    () =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.webhook(uin, id),
          UpdateExpression:
            "SET sealedSecret = :secret, previousSealedSecret = :previous, previousSecretExpiresAt = :until, updatedAt = :at",
          // Two rotations racing: the loser would keep a secret nobody was shown as "previous".
          ConditionExpression: "ownerUin = :uin AND sealedSecret = :read",
          ExpressionAttributeValues: {
            ":uin": uin,
            ":read": current.sealedSecret,
            ":secret": Sealed.seal(encryptionKey(), secret, id),
            ":previous": Sealed.seal(encryptionKey(), previous, `${id}#previous`),
            ":until": new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString(),
            ":at": now.toISOString(),
          },
          ReturnValues: "ALL_NEW",
        }),
      ),
    { onConditionFailed: () => new NotFoundError("webhook", id) },
  );
  return { ...toInfo(out.Attributes as Stored), secret };
}

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

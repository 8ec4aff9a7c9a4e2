import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import * as Config from "../config.ts";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import type { StoredBase } from "../db/keys.ts";
import * as Keys from "../db/keys.ts";
import { getItem, type Page, type PageParams } from "../db/page.ts";
import { InvalidParameterError, NotFoundError } from "../errors.ts";
import * as EndpointService from "../privatelink/service.ts";
import * as WebhookModel from "./model.ts";
import type * as WebhookTransport from "./transport.ts";

/*
 * Webhook subscriptions: an account's receivers, each with its URL, the events it wants, optionally the
 * services it cares about, and a signing secret (subscription-secret.ts).
 * This is the model and the reads; creating, changing and deleting are subscription-write.ts, and the
 * delivery's failure clock is subscription-outcome.ts.
 * Imported as `import * as WebhookSubscription`: a bundle keeps only the functions its route calls.
 */

export const Id = z.string().regex(/^whk-[0-9a-z]{8}$/, "must look like whk-xxxxxxxx");

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

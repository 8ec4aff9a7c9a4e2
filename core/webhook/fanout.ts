import type { Change } from "../stream/change.ts";
import type * as WebhookDelivery from "./delivery.ts";
import * as WebhookDispatch from "./dispatch.ts";
import * as WebhookEvents from "./events.ts";
import * as WebhookMessage from "./message.ts";
import * as WebhookModel from "./model.ts";
import * as WebhookSubscription from "./subscription.ts";

/*
 * The stream's half of webhooks: a change becomes events, each event a message per subscription that
 * wants it, written once (derived IDs, conditional puts), then handed to the dispatcher. Only writes
 * happen here, so a slow receiver never holds the stream; a replayed change writes nothing new and so
 * dispatches nothing.
 * Imported as `import * as WebhookFanout`: a bundle keeps only the functions its route calls.
 */

export const ENTITIES = [...WebhookEvents.ENTITIES, "WebhookSubscription"] as const;

export async function onChange(change: Change): Promise<number> {
  const events =
    change.entity === "WebhookSubscription" ? disabledEvents(change) : await WebhookEvents.fromChange(change);
  if (events.length === 0) return 0;
  const accounts = [...new Set(events.map((e) => e.accountUin))];
  const subscriptions = new Map(
    await Promise.all(accounts.map(async (uin) => [uin, await WebhookSubscription.all(uin)] as const)),
  );
  const now = WebhookModel.now();
  const jobs = new Map<string, WebhookDelivery.Job>();
  for (const e of events) {
    for (const s of subscriptions.get(e.accountUin) ?? []) {
      if (s.id === e.exceptSubscriptionId || !WebhookSubscription.wants(s, e.event.type, e.serviceId))
        continue;
      const message = WebhookMessage.build({
        subscriptionId: s.id,
        ownerUin: s.ownerUin,
        eventId: e.id,
        event: e.event,
        now,
      });
      jobs.set(message.id, { message, subscription: s, trigger: "initial" });
    }
  }
  if (jobs.size === 0) return 0;
  const written = new Set(
    (await WebhookMessage.putNew([...jobs.values()].map((j) => j.message))).map((m) => m.id),
  );
  const fresh = [...jobs.values()].filter((j) => written.has(j.message.id));
  await WebhookDispatch.get().dispatch(fresh);
  return fresh.length;
}

/** A subscription the server disabled tells the account's other subscriptions. */
function disabledEvents(change: Change): WebhookEvents.Addressed[] {
  const now = change.newImage as WebhookSubscription.Stored | undefined;
  const old = change.oldImage as WebhookSubscription.Stored | undefined;
  if (change.kind !== "modify" || !now || !old) return [];
  if (!(old.enabled && !now.enabled && now.disabledReason)) return [];
  const at = new Date(now.updatedAt);
  return [
    {
      accountUin: now.ownerUin,
      exceptSubscriptionId: now.id,
      id: WebhookModel.eventId(at, "webhook.disabled", now.id, now.updatedAt),
      event: {
        type: "webhook.disabled",
        timestamp: at.toISOString(),
        data: { ...WebhookSubscription.toInfo(now) },
      },
    },
  ];
}

import { createHash } from "node:crypto";
import * as z from "zod";
import { Clock } from "../util/time.ts";

/*
 * Webhook shapes shared by subscriptions, events and delivery: the event catalogue, the envelope every
 * delivery carries (Standard Webhooks' `{type, timestamp, data}`), and the IDs derived from changes.
 * Imported as `import * as WebhookModel`: a bundle keeps only the functions its route calls.
 */

/** Every webhook decision that reads the time reads it here (the one Clock), so tests can move it. */
export function now(): Date {
  return Clock.date();
}

/** Every event a subscription may name. `webhook.test` is sent on request only, to one subscription. */
export const EVENT_TYPES = [
  "connection.requested",
  "connection.accepted",
  "connection.rejected",
  "connection.failed",
  "connection.deleted",
  "endpoint-service.updated",
  "endpoint-service.deleted",
  "allowlist.added",
  "allowlist.removed",
  "metric-export.succeeded",
  "metric-export.failed",
  "webhook.disabled",
  "webhook.test",
] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

/** The envelope, as the receiver gets it. */
export interface Event {
  type: EventType;
  timestamp: string;
  data: Record<string, unknown>;
}

/** Time-sortable and derived: `<prefix>-<ms in base36, 9 chars><16 hex of a hash of the parts>`. */
export function derivedId(prefix: string, at: Date, ...parts: string[]): string {
  const time = at.getTime().toString(36).padStart(9, "0");
  const hash = createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 16);
  return `${prefix}-${time}${hash}`;
}

/** The event's ID comes from the change (resource, version, type), so a replay derives the same one. */
export function eventId(at: Date, type: string, resource: string, version: string | number): string {
  return derivedId("evt", at, type, resource, String(version));
}

/** One message per event and subscription, again derived: a second write of it is refused. */
export function messageId(eventId: string, subscriptionId: string): string {
  const time = eventId.slice(4, 13);
  const hash = createHash("sha256").update(`${eventId}\u0000${subscriptionId}`).digest("hex").slice(0, 16);
  return `msg-${time}${hash}`;
}

export const MessageId = z.string().regex(/^msg-[0-9a-z]{9}[0-9a-f]{16}$/, "is not a message ID");

/** The earliest message ID at or after a time (for `since` and ranges over the time-sorted IDs). */
export function messageIdFloor(at: Date): string {
  return `msg-${at.getTime().toString(36).padStart(9, "0")}`;
}

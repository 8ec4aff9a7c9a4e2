import * as z from "zod";
import * as WebhookMessage from "../../../core/webhook/message.ts";
import { IdParam, named, security } from "../openapi.ts";

// What the webhook routes' two modules (subscriptions.ts, deliveries.ts) both declare.
export const MessageDetail = named(WebhookMessage.Detail, "WebhookMessageDetail");
export const common = { tags: ["Webhooks"], security: security("account") };
export const byId = { params: IdParam("webhook subscription ID", "whk-1a2b3c4d") };
export const byMessage = {
  params: IdParam("webhook subscription ID", "whk-1a2b3c4d").extend({ msgId: z.string().max(64) }),
};

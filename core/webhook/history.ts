import * as z from "zod";
import type { Page, PageParams } from "../db/page.ts";
import * as WebhookMessage from "./message.ts";
import * as WebhookModel from "./model.ts";
import * as WebhookSubscription from "./subscription.ts";

/*
 * An account's webhook messages, read: scoped by loading the caller's own subscription first, so another
 * account's IDs answer 404. Apart from the sends (`Webhooks` in index.ts), so that the routes that only
 * read carry neither the delivery transport nor the queue's client (docs/deploy.md "Bundles").
 * Imported as `import * as WebhookHistory`: a bundle keeps only the functions its route calls.
 */

export const MessageQuery = z.object({
  status: WebhookMessage.Status.optional(),
  eventType: WebhookModel.EventType.optional(),
});

export async function messages(
  uin: string,
  id: string,
  filter: z.infer<typeof MessageQuery>,
  page: PageParams,
): Promise<Page<WebhookMessage.Info>> {
  await WebhookSubscription.load(uin, id);
  return WebhookMessage.list(id, filter, page);
}

export async function message(uin: string, id: string, messageId: string): Promise<WebhookMessage.Detail> {
  await WebhookSubscription.load(uin, id);
  return WebhookMessage.toDetail(await WebhookMessage.load(id, messageId));
}

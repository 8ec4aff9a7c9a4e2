import { type Operation, PAGE } from "./operations-common.ts";

/* Webhook subscriptions and their messages: part of OPERATIONS (operations.ts). */

export const WEBHOOK_OPERATIONS: Record<string, Operation> = {
  "POST /v1/webhooks": {
    id: "createWebhook",
    description:
      "Subscribes an https URL (http and private addresses only where the deployment allows them; link-local and metadata addresses never) to event types or `*`, optionally for some services only. The secret (`whsec_…`) is answered only here. An account holds at most LINKPLANE_WEBHOOK_MAX_PER_ACCOUNT subscriptions.",
    errors: ["LimitExceeded"],
  },
  "GET /v1/webhooks": {
    id: "listWebhooks",
    description: `The caller's subscriptions without their secrets. ${PAGE}`,
  },
  "GET /v1/webhooks/{id}": {
    id: "getWebhook",
    description:
      "One subscription without its secret, with `disabledReason` when the server disabled it after five days of failed attempts.",
  },
  "PATCH /v1/webhooks/{id}": {
    id: "updateWebhook",
    description:
      "Only the fields given change; events and URL are checked as on creation. Enabling a subscription the server disabled clears `disabledReason`.",
  },
  "DELETE /v1/webhooks/{id}": {
    id: "deleteWebhook",
    description:
      "Deletes the subscription; its messages are kept for their retention but never attempted again.",
  },
  "POST /v1/webhooks/{id}/rotate-secret": {
    id: "rotateWebhookSecret",
    description:
      "Answers a new secret once. For 24 hours every delivery carries two signatures, the old secret's and the new one's, so receivers can switch without missing one.",
  },
  "POST /v1/webhooks/{id}/test": {
    id: "testWebhook",
    description:
      "Sends a webhook.test event to the URL in this request and answers the attempt, delivered or not.",
  },
  "GET /v1/webhooks/{id}/messages": {
    id: "listWebhookMessages",
    description: `The subscription's messages with their status (pending, delivered, failed), filtered by \`status\` and \`eventType\`. ${PAGE}`,
  },
  "GET /v1/webhooks/{id}/messages/{msgId}": {
    id: "getWebhookMessage",
    description: "The message's payload and every attempt, scheduled, retried or manual.",
  },
  "POST /v1/webhooks/{id}/messages/{msgId}/retry": {
    id: "retryWebhookMessage",
    description:
      "Attempts the message now, whatever its status, and gives it a fresh retry schedule if this attempt fails. ResourceInUse while another attempt of it is in flight.",
    errors: ["ResourceInUse"],
  },
  "POST /v1/webhooks/{id}/recover": {
    id: "recoverWebhookMessages",
    description:
      "Queues every failed message since `since` for a new attempt, after an outage of the receiver, and answers 202 with how many were scheduled; the attempts run in the background.",
  },
};

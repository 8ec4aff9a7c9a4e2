import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import { PageParams } from "../../../core/db/page.ts";
import * as WebhookHistory from "../../../core/webhook/history.ts";
import * as WebhookMessage from "../../../core/webhook/message.ts";
import * as WebhookSubscription from "../../../core/webhook/subscription.ts";
import * as WebhookSecret from "../../../core/webhook/subscription-secret.ts";
import * as WebhookSubscriptionWrite from "../../../core/webhook/subscription-write.ts";
import { callerUin, createApi } from "../factory.ts";
import { jsonBody, jsonResponse, named, pageOf } from "../openapi.ts";
import { byId, byMessage, common, MessageDetail } from "./shared.ts";

const Info = named(WebhookSubscription.Info, "WebhookSubscription");
const WithSecret = named(WebhookSubscription.WithSecret, "WebhookSubscriptionWithSecret");
const Message = named(WebhookMessage.Info, "WebhookMessage");

export const app = createApi("account")
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/webhooks",
      summary: "Subscribe a URL to events; the signing secret is answered this once",
      request: { body: jsonBody(WebhookSubscription.CreateInput) },
      responses: { 201: jsonResponse(WithSecret, "The subscription and its secret") },
    }),
    async (c) => c.json(await WebhookSubscriptionWrite.create(callerUin(c), c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/webhooks",
      summary: "The caller's webhook subscriptions, newest first",
      request: { query: PageParams },
      responses: {
        200: jsonResponse(pageOf(Info), "Every subscription (at most the quota)"),
      },
    }),
    async (c) => c.json(await WebhookSubscription.list(callerUin(c), c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/webhooks/{id}",
      summary: "One subscription",
      request: byId,
      responses: { 200: jsonResponse(Info, "The subscription") },
    }),
    async (c) => c.json(await WebhookSubscription.get(callerUin(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "patch",
      path: "/v1/webhooks/{id}",
      summary: "Change the URL, events, description, services, or enable/disable",
      request: { ...byId, body: jsonBody(WebhookSubscription.UpdateInput) },
      responses: { 200: jsonResponse(Info, "The subscription") },
    }),
    async (c) =>
      c.json(
        await WebhookSubscriptionWrite.update(callerUin(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/v1/webhooks/{id}",
      summary: "Delete a subscription (its pending messages are not attempted again)",
      request: byId,
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await WebhookSubscriptionWrite.remove(callerUin(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/webhooks/{id}/rotate-secret",
      summary: "A new secret, answered once; the old one keeps signing for 24 hours",
      request: byId,
      responses: { 200: jsonResponse(WithSecret, "The subscription and its new secret") },
    }),
    async (c) => c.json(await WebhookSecret.rotateSecret(callerUin(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/webhooks/{id}/messages",
      summary: "Messages, newest first, optionally of one status and event type",
      request: { ...byId, query: PageParams.extend(WebhookHistory.MessageQuery.shape) },
      responses: { 200: jsonResponse(pageOf(Message), "A page of messages") },
    }),
    async (c) => {
      const { status, eventType, ...page } = c.req.valid("query");
      return c.json(
        await WebhookHistory.messages(callerUin(c), c.req.valid("param").id, { status, eventType }, page),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/webhooks/{id}/messages/{msgId}",
      summary: "One message with its attempts (time, status code, latency, error, first 1 KiB of the answer)",
      request: byMessage,
      responses: { 200: jsonResponse(MessageDetail, "The message") },
    }),
    async (c) => {
      const { id, msgId } = c.req.valid("param");
      return c.json(await WebhookHistory.message(callerUin(c), id, msgId), 200);
    },
  );

export const handler = handle(app);

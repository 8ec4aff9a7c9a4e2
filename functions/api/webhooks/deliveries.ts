import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { Webhooks } from "../../../core/webhook/index.ts";
import { callerUin, createApi } from "../factory.ts";
import { jsonBody, jsonResponse, named } from "../openapi.ts";
import { byId, byMessage, common, MessageDetail } from "./shared.ts";

// The webhook routes that send (a test, a retry, recovery): the only ones that carry the delivery
// transport and the queue's client, so subscriptions.ts serves the rest without them (docs/deploy.md
// "Bundles").
const TestResult = named(Webhooks.TestResult, "WebhookTestResult");

export const app = createApi("account")
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/webhooks/{id}/test",
      summary: "Send a webhook.test event now and answer the attempt",
      request: byId,
      responses: { 200: jsonResponse(TestResult, "The attempt's outcome") },
    }),
    async (c) => c.json(await Webhooks.sendTest(callerUin(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/webhooks/{id}/messages/{msgId}/retry",
      summary: "Attempt one message again now, with a fresh retry schedule",
      request: byMessage,
      responses: { 200: jsonResponse(MessageDetail, "The message after the attempt") },
    }),
    async (c) => {
      const { id, msgId } = c.req.valid("param");
      return c.json(await Webhooks.retry(callerUin(c), id, msgId), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/webhooks/{id}/recover",
      summary: "Send again every failed message since a time",
      request: { ...byId, body: jsonBody(Webhooks.RecoverInput) },
      responses: {
        202: jsonResponse(z.object({ scheduled: z.number().int() }), "How many were scheduled"),
      },
    }),
    async (c) =>
      c.json(await Webhooks.recover(callerUin(c), c.req.valid("param").id, c.req.valid("json")), 202),
  );

export const handler = handle(app);

import { describe, expect, it } from "vitest";
import * as WebhookModel from "../../core/webhook/model.ts";
import * as WebhookPayloads from "../../core/webhook/payloads.ts";
import { openApiDocument } from "../../functions/api/openapi-document.ts";

describe("webhook payload schemas", () => {
  it("every example body is valid against its event type's schema", () => {
    for (const type of WebhookModel.EVENT_TYPES) {
      const parsed = WebhookPayloads.envelope(type).safeParse({
        type,
        timestamp: "2026-11-30T09:00:00.000Z",
        data: WebhookPayloads.EXAMPLE[type],
      });
      expect(parsed.success, `${type}: ${parsed.error?.message}`).toBe(true);
    }
  });

  it("a body of another type's shape is refused (the schemas tell the types apart)", () => {
    const parsed = WebhookPayloads.envelope("metric-export.failed").safeParse({
      type: "metric-export.failed",
      timestamp: "2026-11-30T09:00:00.000Z",
      data: WebhookPayloads.EXAMPLE["connection.accepted"],
    });
    expect(parsed.success).toBe(false);
  });

  it("/openapi.json lists every event type under webhooks, with its headers, schema and example", () => {
    const doc = openApiDocument() as {
      webhooks: Record<string, { post: { parameters: Array<{ name: string }>; requestBody: any } }>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WebhookModel.EVENT_TYPES].sort());
    for (const type of WebhookModel.EVENT_TYPES) {
      const op = doc.webhooks[type]?.post;
      expect(op?.parameters.map((p) => p.name)).toEqual([
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
      ]);
      const media = op?.requestBody.content["application/json"];
      expect(media.example).toEqual({
        type,
        timestamp: expect.any(String),
        data: WebhookPayloads.EXAMPLE[type],
      });
      const ref = String(media.schema.$ref).split("/").at(-1) ?? "";
      expect(doc.components.schemas[ref]).toBeDefined();
    }
  });
});

import { OpenAPIHono } from "@hono/zod-openapi";
import * as z from "zod";
import * as WebhookModel from "../../core/webhook/model.ts";
import * as WebhookPayloads from "../../core/webhook/payloads.ts";
import { apps } from "./apps.ts";
import { ErrorBody, errorResponsesFor, named, securitySchemes } from "./openapi.ts";
import { OPERATIONS } from "./operations.ts";

/** The headers every Tencent-API request carries. */
const tencentHeaders = z.object({
  "X-TC-Action": z.string().openapi({ example: "DescribeVpcEndPointService" }),
  "X-TC-Version": z.string().openapi({ example: "2017-03-12" }),
  "X-TC-Region": z.string().openapi({ example: "ap-guangzhou" }),
  "X-TC-Timestamp": z.string().openapi({ example: "1764403200" }),
  Authorization: z.string().openapi({
    example:
      "TC3-HMAC-SHA256 Credential=AKID…/2026-11-29/vpc/tc3_request, SignedHeaders=content-type;host, Signature=…",
  }),
});

/** The OpenAPI 3.1 document of every route module, built once per process from their zod schemas. */
let document: object | undefined;
export function openApiDocument(): object {
  if (!document) {
    const merged = new OpenAPIHono();
    for (const app of Object.values(apps))
      for (const route of app.definitions) merged.openAPIRegistry.registerPath(route);
    merged.openAPIRegistry.registerPath({
      method: "post",
      path: "/",
      tags: ["Tencent Cloud API"],
      summary:
        "The reference product's VPC API 2017-03-12: the action in X-TC-Action, signed with TC3-HMAC-SHA256",
      security: [{ tc3Signature: [] }],
      request: {
        headers: tencentHeaders,
        body: { content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } },
      },
      responses: {
        200: {
          description:
            'Always 200: `{"Response": {..., "RequestId"}}` or `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`',
        },
      },
    });
    registerWebhooks(merged);
    merged.openAPIRegistry.registerPath({
      method: "get",
      path: "/",
      tags: ["Tencent Cloud API"],
      summary: "The same API with the parameters in the query string (the SDKs' reqMethod GET)",
      security: [{ tc3Signature: [] }],
      request: { headers: tencentHeaders },
      responses: {
        200: {
          description:
            'Always 200: `{"Response": {..., "RequestId"}}` or `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`',
        },
      },
    });
    merged.openAPIRegistry.register("Error", ErrorBody);
    merged.openAPIRegistry.registerComponent("securitySchemes", "tc3Signature", securitySchemes.tc3Signature);
    merged.openAPIRegistry.registerComponent("securitySchemes", "ingestToken", securitySchemes.ingestToken);
    merged.openAPIRegistry.registerComponent(
      "securitySchemes",
      "operatorToken",
      securitySchemes.operatorToken,
    );
    merged.openAPIRegistry.registerComponent(
      "securitySchemes",
      "accountCredentials",
      securitySchemes.accountCredentials,
    );
    const generated = merged.getOpenAPI31Document({
      openapi: "3.1.0",
      // Relative: the document is served by the deployment it describes, wherever that is.
      servers: [{ url: "/", description: "This deployment" }],
      info: {
        title: "Linkplane",
        version: "0.1.0",
        license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
        description:
          'Private Link control plane. Account routes take `Authorization: Bearer <SecretId>:<SecretKey>`; operator routes take the operator token. Errors answer `{"error": {"code", "message", "requestId"}}`.',
      },
      tags: [
        { name: "Operator", description: "Accounts, credentials and scheduled jobs (operator token)" },
        { name: "Inventory", description: "VPCs, subnets, backend instances and security groups" },
        {
          name: "Endpoint services",
          description: "Provider: publish a backend instance for endpoints to connect to",
        },
        {
          name: "Connections",
          description: "Provider: accept, reject and audit the endpoints connected to a service",
        },
        { name: "Allowlist", description: "Provider: the accounts allowed to connect" },
        {
          name: "Endpoints",
          description: "Consumer: private IPs in the caller's subnets, connected to a service",
        },
        { name: "Metrics", description: "Samples from the data plane; views, comparisons and exports" },
        {
          name: "Webhooks",
          description: "Signed, retried event deliveries: subscriptions, messages, attempts",
        },
        { name: "Tencent Cloud API", description: "The reference product's API, for its SDKs" },
        { name: "System", description: "Health" },
      ],
    });
    document = describeOperations(generated as unknown as Document);
  }
  return document;
}

type Document = { paths: Record<string, Record<string, Record<string, unknown>>> };

/**
 * Adds what the zod schemas cannot say: each operation's id, description and error answers, from
 * operations.ts and the error catalogue. An operation missing there is a bug, not a gap to leave.
 */
function describeOperations(doc: Document): Document {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const key = `${method.toUpperCase()} ${path}`;
      const entry = OPERATIONS[key];
      if (!entry) throw new Error(`${key} has no entry in functions/api/operations.ts`);
      op.operationId = entry.id;
      op.description = entry.description;
      // The Tencent API answers every error as HTTP 200 with Response.Error (see its description).
      if (path === "/") continue;
      const responses = (op.responses ?? {}) as Record<string, unknown>;
      op.responses = { ...errorResponsesFor(op, entry.errors), ...responses };
    }
  }
  return doc;
}

/** Every event type under OpenAPI 3.1's top-level `webhooks`, from the schemas the deliveries are checked against. */
function registerWebhooks(app: OpenAPIHono): void {
  const headers = z.object({
    "webhook-id": z
      .string()
      .openapi({ example: "msg-mikx3b0c09f3a1c2e4d5b6a7", description: "Stable across retries" }),
    "webhook-timestamp": z
      .string()
      .openapi({ example: "1764493200", description: "Seconds since the epoch" }),
    "webhook-signature": z.string().openapi({
      example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
      description:
        "Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`; two during a secret rotation",
    }),
  });
  for (const type of WebhookModel.EVENT_TYPES) {
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: type,
      // Names a generated receiver's handler: connection.requested → onConnectionRequested.
      operationId: `on${type.replace(/(^|[.-])([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase())}`,
      // Linkplane calls the receiver: no credentials, the webhook-signature header proves the sender.
      security: [],
      tags: ["Webhooks"],
      summary: WebhookPayloads.DESCRIPTION[type],
      description:
        "Verify with any Standard Webhooks library and the subscription's secret. Answer 2xx within 15 s; anything else is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h.",
      request: {
        headers,
        body: {
          content: {
            "application/json": {
              schema: named(WebhookPayloads.envelope(type), `WebhookEvent_${type.replace(/[.-]/g, "_")}`),
              example: { type, timestamp: "2026-11-30T09:00:00.000Z", data: WebhookPayloads.EXAMPLE[type] },
            },
          },
        },
      },
      responses: { 200: { description: "Any 2xx acknowledges the delivery" } },
    });
  }
}

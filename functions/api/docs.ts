import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import { NotFoundError } from "../../core/errors.ts";
import { apps } from "./apps.ts";
import { createApi } from "./factory.ts";
import { securitySchemes } from "./openapi.ts";

/** The OpenAPI 3.1 document of every route module, built once per process from their zod schemas. */
let document: object | undefined;
export function openApiDocument(): object {
  if (!document) {
    const merged = new OpenAPIHono();
    for (const app of Object.values(apps)) merged.route("/", app);
    merged.openAPIRegistry.registerPath({
      method: "post",
      path: "/",
      tags: ["Tencent Cloud API"],
      summary:
        "The reference product's VPC API 2017-03-12: the action in X-TC-Action, signed with TC3-HMAC-SHA256",
      description:
        'For the official Tencent Cloud SDKs, tccli and Terraform: point their endpoint here and use a Linkplane SecretId/SecretKey. Answers are always HTTP 200 with `{"Response": {...}}`; errors carry `Response.Error.Code`. docs/tencent-api.md lists the actions and fields served.',
      request: {
        headers: z.object({
          "X-TC-Action": z.string().openapi({ example: "DescribeVpcEndPointService" }),
          "X-TC-Version": z.string().openapi({ example: "2017-03-12" }),
          "X-TC-Region": z.string().openapi({ example: "ap-guangzhou" }),
          "X-TC-Timestamp": z.string().openapi({ example: "1764403200" }),
          Authorization: z.string().openapi({
            example:
              "TC3-HMAC-SHA256 Credential=AKID…/2026-11-29/vpc/tc3_request, SignedHeaders=content-type;host, Signature=…",
          }),
        }),
        body: { content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } },
      },
      responses: {
        200: {
          description:
            'Always 200: `{"Response": {..., "RequestId"}}` or `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`',
        },
      },
    });
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
    document = merged.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "Linkplane",
        version: "0.1.0",
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
        { name: "Tencent Cloud API", description: "The reference product's API, for its SDKs" },
        { name: "System", description: "Health" },
      ],
    });
  }
  return document;
}

// Swagger UI ships in swagger-ui-dist; its files are served from node_modules so /docs works offline.
const swaggerDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
// A Map: the file name comes from the URL, and `constructor` must not find Object's.
const ASSETS = new Map([
  ["swagger-ui.css", "text/css; charset=utf-8"],
  ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
  ["swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"],
  ["favicon-32x32.png", "image/png"],
]);

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Linkplane API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout" });
  </script>
</body>
</html>`;

export const app = createApi("none")
  .get("/openapi.json", (c) => c.json(openApiDocument()))
  .get("/docs", (c) => c.html(PAGE))
  .get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    const type = ASSETS.get(file);
    if (!type) throw new NotFoundError("asset", file);
    const body = await readFile(join(swaggerDir, file));
    return c.body(new Uint8Array(body), 200, {
      "Content-Type": type,
      "Cache-Control": "public, max-age=86400",
    });
  });

export const handler = handle(app);

import { describe, expect, it } from "vitest";
import { ERROR_CODES, statusOfKind } from "../../core/errors.ts";
import { app as docsApp } from "../../functions/api/docs.ts";
import { openApiDocument } from "../../functions/api/openapi-document.ts";
import { OPERATIONS } from "../../functions/api/operations.ts";

type Op = {
  operationId?: string;
  summary?: string;
  description?: string;
  requestBody?: unknown;
  responses: Record<string, { description: string }>;
};
const doc = openApiDocument() as {
  paths: Record<string, Record<string, Op>>;
  webhooks: Record<string, Record<string, Op>>;
};
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method, path, op })),
);
const webhooks = Object.entries(doc.webhooks).flatMap(([name, item]) =>
  Object.values(item).map((op) => ({ key: `webhook ${name}`, op })),
);
/** The codes an error response names, from its description (`Code`: when). */
const codesOf = (response: { description: string }) =>
  [...response.description.matchAll(/`([A-Za-z.]+)`:/g)].map((m) => m[1] as string);

describe("OpenAPI document", () => {
  it("gives every operation and webhook a unique, readable operationId", () => {
    const ids = [...operations, ...webhooks].map((o) => o.op.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps operationIds stable: generated clients' method names are an API too", () => {
    // A change here breaks every generated client: add new ids, never rename old ones.
    expect(Object.fromEntries(operations.map((o) => [o.key, o.op.operationId]))).toMatchSnapshot();
  });

  it("has an entry in operations.ts for every route and a route for every entry", () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(operations.map((o) => o.key).sort());
  });

  it("describes every operation beyond its summary", () => {
    for (const { key, op } of operations) {
      expect(op.description, key).toBeTruthy();
      expect(op.description, key).not.toBe(op.summary);
    }
  });

  it("declares per operation the errors it can answer, each status with its own codes", () => {
    const statusOf = new Map<string, Set<number>>();
    for (const e of ERROR_CODES)
      statusOf.set(e.code, new Set([...(statusOf.get(e.code) ?? []), statusOfKind(e.kind)]));
    for (const { key, method, path, op } of operations) {
      if (path === "/") continue; // the Tencent API answers errors as HTTP 200
      const statuses = Object.keys(op.responses).map(Number);
      for (const status of statuses.filter((s) => s >= 400 && key !== "GET /health")) {
        const codes = codesOf(op.responses[String(status)] as { description: string });
        expect(codes.length, `${key} ${status}`).toBeGreaterThan(0);
        for (const code of codes) expect(statusOf.get(code), `${key} ${status} ${code}`).toContain(status);
      }
      if (method === "get") {
        expect(statuses, key).not.toContain(409);
        expect(statuses, key).not.toContain(413);
        expect(statuses, key).not.toContain(415);
      }
      // A body can be too large or of the wrong type; an operation without one cannot.
      expect(statuses.includes(415), key).toBe(op.requestBody !== undefined);
      expect(statuses.includes(413), key).toBe(op.requestBody !== undefined);
      expect(statuses.includes(404), key).toBe(path.includes("{"));
      expect(statuses, key).toContain(429);
      expect(statuses, key).toContain(500);
    }
  });

  it("declares the 403 of endpoint creation and the 409s where they happen", () => {
    const op = (key: string) => operations.find((o) => o.key === key)?.op as Op;
    expect(codesOf(op("POST /v1/endpoints").responses["403"] as { description: string })).toEqual([
      "ResourceUnavailable.ServiceWhiteListNotAdded",
    ]);
    expect(codesOf(op("POST /v1/endpoints").responses["409"] as { description: string })).toEqual(
      expect.arrayContaining(["IdempotentParameterMismatch", "LimitExceeded", "ResourceInsufficient.Subnet"]),
    );
    expect(codesOf(op("DELETE /v1/vpcs/{id}").responses["409"] as { description: string })).toEqual([
      "ResourceInUse",
    ]);
    expect(op("PATCH /v1/vpcs/{id}").responses).not.toHaveProperty("409");
    expect(codesOf(op("POST /v1/vpcs").responses["415"] as { description: string })).toEqual([
      "InvalidParameter.ContentType",
    ]);
  });
});

describe("docs routes", () => {
  it("serves the docs page with and without the trailing slash", async () => {
    for (const path of ["/docs", "/docs/"]) {
      const page = await docsApp.request(path);
      expect(page.status, path).toBe(200);
      expect(await page.text()).toContain("swagger-ui");
    }
  });

  it("ends JSON answers, errors included, with a newline", async () => {
    const document = await docsApp.request("/openapi.json");
    expect((await document.text()).endsWith("}\n")).toBe(true);
    const missing = await docsApp.request("/docs/assets/nothing.css");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/json");
    expect((await missing.text()).endsWith("}\n")).toBe(true);
  });
});

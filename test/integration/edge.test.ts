import { describe, expect, it } from "vitest";
import { setLogSink } from "../../core/util/log.ts";
import { routes } from "../../functions/api/routes.ts";
import { call, created, newTenant, operatorAuth } from "../support/api.ts";

/**
 * Every REST route that takes a JSON body. `POST /` is the Tencent-compatible surface, which answers
 * in its own envelope (test/integration/tencent-sdk.test.ts).
 */
const bodyRoutes = routes.filter(
  (r) => (r.method === "POST" || r.method === "PATCH" || r.method === "PUT") && r.path !== "/",
);

/** Routes that take no body and so never parse one. */
const bodyless = new Set([
  "POST /v1/operator/accounts/{uin}/credentials",
  "POST /v1/operator/jobs/{name}/run",
  "POST /v1/webhooks/{id}/rotate-secret",
  "POST /v1/webhooks/{id}/test",
  "POST /v1/webhooks/{id}/messages/{msgId}/retry",
]);

/** Routes that take the operator (or ingest) token rather than an account credential. */
function tokenRoute(path: string): boolean {
  return path.includes("/operator/") || path === "/v1/metrics/samples";
}

function concrete(path: string): string {
  return path
    .replace("{uin}", "100000000001")
    .replace("{secretId}", `AKID${"a".repeat(32)}`)
    .replace("{name}", "heartbeat")
    .replace("{id}", "vpc-00000000");
}

describe("bad input on every route", () => {
  it.each(bodyRoutes.map((r) => [r.method, r.path]))(
    "%s %s: malformed JSON is a 400 naming the body",
    async (method, path) => {
      const auth = tokenRoute(path) ? operatorAuth() : (await newTenant()).auth;
      const reply = await call(method, concrete(path), { auth, raw: '{"name": ' });
      if (bodyless.has(`${method} ${path}`)) {
        // The body is never read: the answer is the one the same request gets without it.
        const plain = await call(method, concrete(path), { auth });
        expect([reply.status, reply.body?.error?.code]).toEqual([plain.status, plain.body?.error?.code]);
      } else {
        expect(reply.status).toBe(400);
        expect(reply.body.error).toMatchObject({ code: "InvalidParameter.MalformedBody", field: "body" });
      }
      expect(reply.text).not.toMatch(/at \w+ \(|\.ts:\d+/);
    },
  );

  it.each(bodyRoutes.map((r) => [r.method, r.path]))(
    "%s %s: a body over 1 MiB is a 413",
    async (method, path) => {
      const auth = tokenRoute(path) ? operatorAuth() : (await newTenant()).auth;
      const reply = await call(method, concrete(path), {
        auth,
        raw: JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) }),
      });
      expect(reply.status).toBe(413);
      expect(reply.body.error.code).toBe("RequestSizeLimitExceeded");
    },
  );

  it("names the field for unknown fields, wrong types, over-long strings and missing fields", async () => {
    const t = await newTenant();
    const base = { region: "ap-guangzhou", name: "v", cidrBlock: "10.0.0.0/16" };
    const cases: Array<[unknown, string, string]> = [
      [{ ...base, color: "red" }, "UnknownParameter", "color"],
      [{ ...base, name: 42 }, "InvalidParameter", "name"],
      [{ ...base, name: "n".repeat(61) }, "InvalidParameterValue.TooLong", "name"],
      [{ region: "ap-guangzhou", name: "v" }, "MissingParameter", "cidrBlock"],
      [{ ...base, name: "" }, "InvalidParameterValue", "name"],
      [[base], "InvalidParameter", "body"],
    ];
    for (const [body, code, field] of cases) {
      const reply = await call("POST", "/v1/vpcs", { auth: t.auth, body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error, JSON.stringify(body)).toMatchObject({ code, field });
      expect(reply.body.error.requestId).toBe(reply.headers.get("x-request-id"));
    }
  });

  it("checks query parameters too", async () => {
    const t = await newTenant();
    const tooMany = await call("GET", "/v1/vpcs?limit=101", { auth: t.auth });
    const notNumber = await call("GET", "/v1/vpcs?limit=ten", { auth: t.auth });
    expect(tooMany.body.error).toMatchObject({ code: "InvalidParameterValue.Range", field: "limit" });
    expect(notNumber.status).toBe(400);
    expect(notNumber.body.error.field).toBe("limit");
  });

  it("refuses a non-JSON content type with 415", async () => {
    const t = await newTenant();
    const reply = await call("POST", "/v1/vpcs", {
      auth: t.auth,
      raw: "region=x",
      contentType: "application/x-www-form-urlencoded",
    });
    expect(reply.status).toBe(415);
  });

  it("answers an unknown route with a 404 in the error shape", async () => {
    const reply = await call("GET", "/v1/nothing-here");
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe("ResourceNotFound");
  });
});

describe("secrets stay out of logs", () => {
  it("never writes a SecretKey, a bearer value or the operator token to a log line", async () => {
    // Prepare
    const lines: string[] = [];
    process.env.LINKPLANE_LOG_LEVEL = "debug";
    const Config = await import("../../core/config.ts");
    Config.reset();
    setLogSink((line) => lines.push(line));
    try {
      // Act: create a credential, use it well and badly, hit an error path.
      const t = await newTenant();
      await call("GET", "/v1/vpcs", { auth: t.auth });
      await call("GET", "/v1/vpcs", { auth: `Bearer ${t.secretId}:${t.secretKey}x` });
      await call("POST", "/v1/vpcs", { auth: t.auth, raw: "{" });
      await call("POST", "/v1/operator/jobs/heartbeat/run", { auth: operatorAuth() });
      // Assess
      const all = lines.join("\n");
      expect(lines.length).toBeGreaterThan(5);
      expect(all).not.toContain(t.secretKey);
      expect(all).not.toContain(operatorAuth().slice(7));
      expect(all).not.toMatch(/Bearer /);
    } finally {
      setLogSink(undefined);
      process.env.LINKPLANE_LOG_LEVEL = "silent";
      Config.reset();
    }
  });
});

describe("docs", () => {
  it("serves an OpenAPI 3.1 document describing every registered API route", async () => {
    const reply = await call("GET", "/openapi.json");
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toBe("3.1.0");
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(reply.body.paths as Record<string, object>)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    // Pages for browsers (Swagger UI, the console) are not API routes.
    const served = routes.filter(
      (r) => !r.path.startsWith("/docs") && !r.path.startsWith("/console") && r.path !== "/openapi.json",
    );
    for (const r of served) expect(documented, `${r.method} ${r.path}`).toContain(`${r.method} ${r.path}`);
    expect(reply.body.components.securitySchemes).toHaveProperty("accountCredentials");
    expect(reply.body.components.schemas).toHaveProperty("Vpc");
  });

  it("serves the docs page with its assets from this server, no CDN", async () => {
    const page = await call("GET", "/docs");
    expect(page.status).toBe(200);
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const src of sources) {
      expect(src.startsWith("/")).toBe(true);
      const asset = await call("GET", src);
      expect(asset.status, src).toBe(200);
      expect(asset.text.length).toBeGreaterThan(100);
    }
    expect((await call("GET", "/docs/assets/..%2Fpackage.json")).status).toBe(404);
  });

  it("reports health with the table answering", async () => {
    const reply = await call("GET", "/health");
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe("ok");
  });
});

describe("jobs", () => {
  it("lists jobs with schedule and last run, and runs one now", async () => {
    const before = await call("GET", "/v1/operator/jobs", { auth: operatorAuth() });
    const run = await call("POST", "/v1/operator/jobs/heartbeat/run", { auth: operatorAuth() });
    const after = await call("GET", "/v1/operator/jobs", { auth: operatorAuth() });
    const unknown = await call("POST", "/v1/operator/jobs/nope/run", { auth: operatorAuth() });
    expect(before.body.items.find((j: { name: string }) => j.name === "heartbeat")).toMatchObject({
      schedule: "rate(1 minute)",
    });
    expect(run.body.outcome).toMatchObject({
      status: "succeeded",
      trigger: "manual",
      summary: { beatAt: expect.any(String) },
    });
    expect(after.body.items.find((j: { name: string }) => j.name === "heartbeat").lastRun).toEqual(
      run.body.outcome,
    );
    expect(unknown.status).toBe(404);
  });
});

describe("a resource made through the API", () => {
  it("carries id, the fields given, region, ownerUin and createdAt", async () => {
    const t = await newTenant();
    const sg = await created(
      call("POST", "/v1/security-groups", {
        auth: t.auth,
        body: { region: "ap-beijing", name: "n", description: "d" },
      }),
    );
    expect(Object.keys(sg).sort()).toEqual(["createdAt", "description", "id", "name", "ownerUin", "region"]);
  });
});

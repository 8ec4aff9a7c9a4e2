import { describe, expect, it } from "vitest";
import { routes } from "../../functions/api/routes.ts";
import { call, created, localApp, newTenant, operatorAuth } from "../support/api.ts";
import { allow, consumer, endpoint, provider, service } from "../support/privatelink.ts";
import { tencent } from "../support/tencent.ts";

const MiB = 1024 * 1024;

function concrete(path: string): string {
  return path
    .replace("{uin}", "100000000001")
    .replace("{secretId}", `AKID${"a".repeat(32)}`)
    .replace("{name}", "heartbeat")
    .replace("{sgId}", "sg-00000000")
    .replace("{endpointId}", "vpce-00000000")
    .replace("{runId}", "run-00000000")
    .replace("{file}", "swagger-ui.css")
    .replace("{id}", "vpc-00000000");
}

/** A chunked body of `total` bytes that counts what the server pulled from it. */
function countingBody(total: number, chunk = 64 * 1024) {
  const state = { pulled: 0 };
  const bytes = new Uint8Array(chunk).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= total) return controller.close();
      state.pulled += chunk;
      controller.enqueue(bytes);
    },
  });
  return { stream, state };
}

describe("hostile input: an unbounded body", () => {
  const withBody = routes.filter((r) => r.method !== "GET");

  it.each(withBody.map((r) => [r.method, r.path]))(
    "%s %s: a chunked body without Content-Length is refused at 1 MiB with 413, unread past it",
    async (method, path) => {
      // Prepare: 16 MiB offered, no credentials, no Content-Length.
      const { stream, state } = countingBody(16 * MiB);
      // Act
      const response = await (await localApp()).request(concrete(path), {
        method,
        headers: { "content-type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit);
      // Assess
      expect(response.status).toBe(413);
      const body = (await response.json()) as any;
      const code = path === "/" ? body.Response.Error.Code : body.error.code;
      expect(code).toBe("RequestSizeLimitExceeded");
      expect(state.pulled).toBeLessThanOrEqual(MiB + 3 * 64 * 1024);
    },
  );

  it("a declared Content-Length over 1 MiB on POST / is a 413 in the Tencent envelope", async () => {
    const response = await (await localApp()).request("/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(MiB + 1),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).Response.Error.Code).toBe("RequestSizeLimitExceeded");
  });
});

describe("hostile input: Object.prototype names", () => {
  const reserved = ["__proto__", "constructor"];

  it("refuses the reserved tag keys with 400 naming the tag on every route that takes tags", async () => {
    // Prepare
    const p = await provider();
    const c = await consumer();
    const svc = await service(p, { autoAccept: true });
    await allow(p, svc.id, c.uin);
    const ep = await created(endpoint(c, svc.id));
    for (const key of reserved) {
      const tags = [{ key, value: "v" }];
      // Act
      const replies = [
        await endpoint(c, svc.id, { tags }),
        await call("PATCH", `/v1/endpoints/${ep.id}`, { auth: c.auth, body: { tags } }),
        await call("PATCH", `/v1/endpoint-services/${svc.id}`, { auth: p.auth, body: { tags } }),
        await call("GET", `/v1/endpoints?tag:${key}=v`, { auth: c.auth }),
      ];
      // Assess
      for (const reply of replies) {
        expect(reply.status, `${key}: ${reply.text}`).toBe(400);
        expect(reply.body.error.code).toBe("InvalidParameterValue");
      }
      expect(replies[0]?.body.error.field).toBe("tags.0.key");
      const tc = await tencent(c, {
        action: "CreateVpcEndPoint",
        params: {
          VpcId: c.vpcId,
          SubnetId: c.subnetId,
          EndPointName: "t",
          EndPointServiceId: svc.id,
          Tags: [{ Key: key, Value: "v" }],
        },
      });
      expect(tc.body.Response.Error.Code, key).toBe("InvalidParameterValue");
    }
  });

  it("stores other Object.prototype names as ordinary tag keys and reads them back", async () => {
    const p = await provider();
    const tags = ["toString", "hasOwnProperty", "valueOf"].map((key) => ({ key, value: key }));
    const svc = await service(p, { tags });
    const read = await call("GET", `/v1/endpoint-services/${svc.id}`, { auth: p.auth });
    const filtered = await call("GET", "/v1/endpoint-services?tag:toString=toString", { auth: p.auth });
    expect(read.body.tags).toEqual([...tags].sort((a, b) => (a.key < b.key ? -1 : 1)));
    expect(filtered.body.items.map((s: { id: string }) => s.id)).toContain(svc.id);
  });

  it("answers 404 for a job or a docs asset named after an Object.prototype member", async () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const run = await call("POST", `/v1/operator/jobs/${name}/run`, { auth: operatorAuth() });
      const asset = await call("GET", `/docs/assets/${name}`);
      expect(run.status, name).toBe(404);
      expect(asset.status, name).toBe(404);
    }
  });

  it("answers InvalidAction for X-TC-Action constructor, hasOwnProperty, __proto__ and toString", async () => {
    const t = await newTenant();
    for (const action of ["constructor", "hasOwnProperty", "__proto__", "toString"]) {
      // The SDKs sign only content-type and host: a distinct body keeps each from being the others' replay.
      const reply = await tencent(t, { action, params: { Probe: action } });
      expect(reply.body.Response.Error.Code, action).toBe("InvalidAction");
    }
  });

  it("answers FilterInvalidKey for a Tencent filter named after an Object.prototype member", async () => {
    const t = await newTenant();
    for (const name of ["__proto__", "constructor", "toString"]) {
      const reply = await tencent(t, {
        action: "DescribeVpcEndPoint",
        params: { Filters: [{ Name: name, Values: ["x"] }] },
      });
      expect(reply.body.Response.Error.Code, name).toBe("InvalidParameter.FilterInvalidKey");
    }
  });
});

describe("hostile input: control characters and broken Unicode in free text", () => {
  const bad = ["a\u0000b", "a\u001bb", "a\rb", "a\nb", "a\u0085b", "a\u007fb", "a\ud800b", "a\udc00"];

  it("refuses them in every kind of free text with 400 naming the field", async () => {
    // Prepare
    const p = await provider();
    const c = await consumer();
    const svc = await service(p);
    await allow(p, svc.id, c.uin);
    const ep = await created(endpoint(c, svc.id));
    const sg = await created(
      call("POST", "/v1/security-groups", { auth: c.auth, body: { region: "ap-guangzhou", name: "n" } }),
    );
    const cases: Array<[string, string, string, (s: string) => unknown, string]> = [
      ["POST", "/v1/operator/accounts", operatorAuth(), (s) => ({ name: s }), "name"],
      [
        "POST",
        "/v1/security-groups",
        c.auth,
        (s) => ({ region: "ap-guangzhou", name: "n", description: s }),
        "description",
      ],
      ["PATCH", `/v1/security-groups/${sg.id}`, c.auth, (s) => ({ description: s }), "description"],
      [
        "POST",
        `/v1/endpoint-services/${svc.id}/allowlist`,
        p.auth,
        (s) => ({ uin: "100000000009", description: s }),
        "description",
      ],
      [
        "PATCH",
        `/v1/endpoint-services/${svc.id}/allowlist/${c.uin}`,
        p.auth,
        (s) => ({ description: s }),
        "description",
      ],
      [
        "POST",
        `/v1/endpoint-services/${svc.id}/connections/accept`,
        p.auth,
        (s) => ({ endpointIds: [ep.id], reason: s }),
        "reason",
      ],
      [
        "POST",
        `/v1/endpoint-services/${svc.id}/connections/reject`,
        p.auth,
        (s) => ({ endpointIds: [ep.id], reason: s }),
        "reason",
      ],
      [
        "POST",
        "/v1/metric-exports",
        c.auth,
        (s) => ({ name: s, resources: "all", granularity: "1h", format: "csv", schedule: "hourly" }),
        "name",
      ],
      ["PATCH", `/v1/endpoints/${ep.id}`, c.auth, (s) => ({ tags: [{ key: s, value: "v" }] }), "tags.0.key"],
      [
        "PATCH",
        `/v1/endpoints/${ep.id}`,
        c.auth,
        (s) => ({ tags: [{ key: "k", value: s }] }),
        "tags.0.value",
      ],
      ["PATCH", `/v1/endpoint-services/${svc.id}`, p.auth, (s) => ({ name: s }), "name"],
      [
        "POST",
        "/v1/vpcs",
        c.auth,
        (s) => ({ region: "ap-guangzhou", name: s, cidrBlock: "10.0.0.0/16" }),
        "name",
      ],
    ];
    for (const [method, path, auth, body, field] of cases) {
      for (const text of bad) {
        // Act
        const reply = await call(method, path, { auth, body: body(text) });
        // Assess
        const what = `${method} ${path} ${JSON.stringify(text)}`;
        expect(reply.status, what).toBe(400);
        // Inventory names had a character rule before; it answers .Malformed.
        expect(reply.body.error, what).toMatchObject({
          code: expect.stringMatching(/^InvalidParameterValue/),
          field,
        });
      }
    }
    // Nothing was changed by any of them.
    const history = await call("GET", `/v1/endpoints/${ep.id}/history`, { auth: c.auth });
    expect(history.body.items).toHaveLength(1);
  });

  it("keeps well-formed text: emoji (surrogate pairs), Chinese and tabs-free punctuation", async () => {
    const c = await consumer();
    const sg = await created(
      call("POST", "/v1/security-groups", {
        auth: c.auth,
        body: { region: "ap-guangzhou", name: "n", description: "数据库 🚀 (prod) – ok" },
      }),
    );
    expect(sg.description).toBe("数据库 🚀 (prod) – ok");
  });

  it("refuses them in query and path parameters and on the Tencent surface", async () => {
    const c = await consumer();
    const query = await call("GET", `/v1/endpoints?q=${encodeURIComponent("a\u0000")}`, { auth: c.auth });
    const path = await call("GET", `/v1/endpoints/${encodeURIComponent("vpce-\u001b[2J")}`, { auth: c.auth });
    const tc = await tencent(c, {
      action: "CreateVpcEndPointService",
      params: {
        VpcId: c.vpcId,
        EndPointServiceName: "s",
        AutoAcceptFlag: true,
        ServiceInstanceId: "lb-1",
        Tags: [{ Key: "k", Value: "a\u0000b" }],
      },
    });
    expect(query.body.error).toMatchObject({ code: "InvalidParameterValue", field: "q" });
    expect(path.body.error).toMatchObject({ code: "InvalidParameterValue", field: "id" });
    expect(tc.body.Response.Error.Code).toBe("InvalidParameterValue");
  });
});

describe("hostile input: unknown query parameters", () => {
  it("refuses a misspelt filter with 400 UnknownParameter naming it instead of listing everything", async () => {
    const c = await consumer();
    const reply = await call("GET", "/v1/endpoints?regoin=ap-guangzhou", { auth: c.auth });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: "UnknownParameter", field: "regoin" });
  });

  it.each(routes.map((r) => [r.method, r.path]))(
    "%s %s refuses an undeclared query parameter",
    async (method, path) => {
      const t = await newTenant();
      const auth = path.includes("/operator/") || path === "/v1/metrics/samples" ? operatorAuth() : t.auth;
      const reply = await call(method, `${concrete(path)}?zzUnknown=1`, { auth });
      if (path === "/") {
        // Unsigned, it is refused for its signature first; the signed case is below.
        expect(reply.status).toBe(200);
        return;
      }
      expect(reply.status, reply.text).toBe(400);
      expect(reply.body.error).toMatchObject({ code: "UnknownParameter", field: "zzUnknown" });
    },
  );

  it("refuses a query parameter on the Tencent surface, signed or not", async () => {
    const t = await newTenant();
    const reply = await tencent(t, { action: "DescribeVpcEndPoint", query: "Limit=5" });
    expect(reply.body.Response.Error.Code).toBe("UnknownParameter");
  });

  it("still takes declared parameters and tag:<key> filters", async () => {
    const c = await consumer();
    const reply = await call("GET", "/v1/endpoints?region=ap-guangzhou&limit=5&tag:env=prod", {
      auth: c.auth,
    });
    expect(reply.status, reply.text).toBe(200);
  });
});

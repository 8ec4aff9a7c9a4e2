import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Db } from "../../core/db/client.ts";
import { call, created, newTenant } from "../support/api.ts";
import { frozen } from "../support/clock.ts";
import { withEnv } from "../support/env.ts";
import {
  allow,
  backend,
  type Consumer,
  consumer,
  decide,
  endpoint,
  type Provider,
  provider,
  service,
  startStream,
} from "../support/privatelink.ts";
import { until } from "../support/wait.ts";

let stream: ReturnType<typeof startStream>;
afterAll(() => stream.poller.stop());

let p: Provider;
let c: Consumer;
beforeAll(async () => {
  stream = startStream();
  p = await provider();
  c = await consumer();
});

/** A subnet of the consumer's own, for tests that count what address allocation does. */
async function ownSubnet(cidrBlock: string): Promise<{ id: string }> {
  return created(
    call("POST", "/v1/subnets", {
      auth: c.auth,
      body: { vpcId: c.vpcId, zone: "ap-guangzhou-3", name: "own", cidrBlock },
    }),
  );
}

async function connected(autoAccept = false) {
  const s = await service(p, { autoAccept });
  await allow(p, s.id, c.uin);
  const ep = await created(endpoint(c, s.id));
  return { s, ep };
}

async function historyOf(endpointId: string) {
  return (await call("GET", `/v1/endpoints/${endpointId}/history`, { auth: c.auth })).body.items as Array<{
    sequence: number;
    from: string | null;
    to: string;
    actor: string;
  }>;
}

describe("endpoint services", () => {
  it("publishes a backend with auto-accept off by default", async () => {
    const s = await service(p, { name: "订单-orders_1" });
    expect(s).toMatchObject({
      id: expect.stringMatching(/^vpcsvc-[0-9a-z]{8}$/),
      name: "订单-orders_1",
      region: "ap-guangzhou",
      vpcId: p.vpcId,
      serviceType: "CLB",
      serviceVip: expect.stringMatching(/^10\.0\./),
      autoAccept: false,
      ownerUin: p.uin,
      endpointCount: 0,
      tags: [],
    });
    expect((await call("GET", `/v1/endpoint-services/${s.id}`, { auth: p.auth })).body).toEqual(s);
  });

  it.each([
    [{ name: "has space" }, "InvalidParameterValue", "name"],
    [{ name: "emoji😀" }, "InvalidParameterValue", "name"],
    [{ name: "n".repeat(81) }, "InvalidParameterValue.TooLong", "name"],
    [{ serviceType: "ELB" }, "InvalidParameterValue", "serviceType"],
    [
      { tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: "v" })) },
      "InvalidParameterValue.TooLong",
      "tags",
    ],
    [
      {
        tags: [
          { key: "a", value: "1" },
          { key: "a", value: "2" },
        ],
      },
      "InvalidParameterValue",
      "tags",
    ],
  ])("refuses %o", async (override, code, field) => {
    const reply = await call("POST", "/v1/endpoint-services", {
      auth: p.auth,
      body: {
        name: "ok",
        vpcId: p.vpcId,
        serviceType: "CLB",
        backendInstanceId: await backend(p, p.vpcId),
        ...override,
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code, field });
  });

  it("checks the backend: its type, its VPC, and that it serves one service only", async () => {
    const cdb = await backend(p, p.vpcId, "CDB");
    const otherVpc = await created(
      call("POST", "/v1/vpcs", {
        auth: p.auth,
        body: { region: "ap-guangzhou", name: "o", cidrBlock: "10.0.0.0/16" },
      }),
    );
    const elsewhere = await backend(p, otherVpc.id);
    const typeMismatch = await call("POST", "/v1/endpoint-services", {
      auth: p.auth,
      body: { name: "a", vpcId: p.vpcId, serviceType: "CLB", backendInstanceId: cdb },
    });
    const vpcMismatch = await call("POST", "/v1/endpoint-services", {
      auth: p.auth,
      body: { name: "a", vpcId: p.vpcId, serviceType: "CLB", backendInstanceId: elsewhere },
    });
    const first = await service(p);
    const twice = await call("POST", "/v1/endpoint-services", {
      auth: p.auth,
      body: { name: "a", vpcId: p.vpcId, serviceType: "CLB", backendInstanceId: first.backendInstanceId },
    });
    const notMine = await call("POST", "/v1/endpoint-services", {
      auth: c.auth,
      body: { name: "a", vpcId: p.vpcId, serviceType: "CLB", backendInstanceId: cdb },
    });
    expect(typeMismatch.body.error).toMatchObject({
      code: "UnsupportedOperation.InstanceMismatch",
      field: "backendInstanceId",
    });
    expect(vpcMismatch.body.error).toMatchObject({
      code: "UnsupportedOperation.VpcMismatch",
      field: "backendInstanceId",
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe("ResourceInUse");
    expect(notMine.status).toBe(404);
    expect(
      (await call("DELETE", `/v1/backend-instances/${first.backendInstanceId}`, { auth: p.auth })).status,
    ).toBe(409);
  });

  it("renames, toggles auto-accept, replaces tags and moves to another backend, freeing the old one", async () => {
    const s = await service(p);
    const next = await backend(p, p.vpcId);
    const patched = await call("PATCH", `/v1/endpoint-services/${s.id}`, {
      auth: p.auth,
      body: {
        name: "renamed",
        autoAccept: true,
        tags: [{ key: "env", value: "prod" }],
        backendInstanceId: next,
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: "renamed",
      autoAccept: true,
      backendInstanceId: next,
      tags: [{ key: "env", value: "prod" }],
    });
    expect((await service(p, { backendInstanceId: s.backendInstanceId })).backendInstanceId).toBe(
      s.backendInstanceId,
    );
    const wrongType = await call("PATCH", `/v1/endpoint-services/${s.id}`, {
      auth: p.auth,
      body: { backendInstanceId: await backend(p, p.vpcId, "CRS") },
    });
    expect(wrongType.body.error.code).toBe("UnsupportedOperation.InstanceMismatch");
  });

  it("verifies for a consumer: not allowlisted, then connectable with public facts only", async () => {
    const s = await service(p);
    const before = await call("POST", `/v1/endpoint-services/${s.id}/verify`, { auth: c.auth, body: {} });
    await allow(p, s.id, c.uin);
    const after = await call("POST", `/v1/endpoint-services/${s.id}/verify`, {
      auth: c.auth,
      body: { region: "ap-guangzhou" },
    });
    const wrongRegion = await call("POST", `/v1/endpoint-services/${s.id}/verify`, {
      auth: c.auth,
      body: { region: "ap-shanghai" },
    });
    const missing = await call("POST", "/v1/endpoint-services/vpcsvc-00000000/verify", {
      auth: c.auth,
      body: {},
    });
    expect(before.body).toEqual({
      connectable: false,
      reason: { code: "ResourceUnavailable.ServiceWhiteListNotAdded", message: expect.any(String) },
    });
    expect(after.body.connectable).toBe(true);
    expect(Object.keys(after.body.service).sort()).toEqual([
      "autoAccept",
      "createdAt",
      "id",
      "name",
      "ownerUin",
      "region",
      "serviceType",
    ]);
    expect(wrongRegion.status).toBe(404);
    expect(missing.status).toBe(404);
  });

  it("tells a stranger only that it may not connect: not the region, not the tags", async () => {
    const s = await service(p, { tags: [{ key: "secret", value: "yes" }] });
    const stranger = await consumer("ap-shanghai");
    const verify = await call("POST", `/v1/endpoint-services/${s.id}/verify`, {
      auth: stranger.auth,
      body: { region: "ap-shanghai" },
    });
    expect(verify.body).toEqual({
      connectable: false,
      reason: { code: "ResourceUnavailable.ServiceWhiteListNotAdded", message: expect.any(String) },
    });
    const create = await endpoint(stranger, s.id);
    expect(create.body.error.code).toBe("ResourceUnavailable.ServiceWhiteListNotAdded");
    await allow(p, s.id, c.uin);
    const probe = await call(
      "GET",
      "/v1/endpoint-services?region=ap-guangzhou&authorized=true&tag:secret=yes",
      { auth: c.auth },
    );
    expect(probe.body.items.map((x: { id: string }) => x.id)).not.toContain(s.id);
  });

  it("lists the services a consumer may connect to: its own and those that allowlist it", async () => {
    const theirs = await service(p, { name: "shared" });
    await service(p, { name: "private" });
    await allow(p, theirs.id, c.uin);
    const own = await service(await ownProvider(c));
    const list = await call("GET", "/v1/endpoint-services?region=ap-guangzhou&authorized=true&limit=100", {
      auth: c.auth,
    });
    const ids = list.body.items.map((s: { id: string }) => s.id);
    expect(ids).toContain(theirs.id);
    expect(ids).toContain(own.id);
    expect(
      list.body.items.every((s: Record<string, unknown>) => !("backendInstanceId" in s) && !("vpcId" in s)),
    ).toBe(true);
    expect(list.body.items.map((s: { name: string }) => s.name)).not.toContain("private");
    const noRegion = await call("GET", "/v1/endpoint-services?authorized=true", { auth: c.auth });
    expect(noRegion.body.error).toMatchObject({ code: "MissingParameter", field: "region" });
  });

  it("searches by exact ID or name part, filters by tag, and returns only chosen fields", async () => {
    const t = await provider();
    const a = await service(t, { name: "Payments-API", tags: [{ key: "env", value: "prod" }] });
    const b = await service(t, { name: "search-db", tags: [{ key: "env", value: "dev" }] });
    const byName = await call("GET", "/v1/endpoint-services?region=ap-guangzhou&q=PAYMENT", { auth: t.auth });
    const byId = await call("GET", `/v1/endpoint-services?q=${b.id}`, { auth: t.auth });
    const byTag = await call("GET", "/v1/endpoint-services?region=ap-guangzhou&tag:env=dev", {
      auth: t.auth,
    });
    const fields = await call("GET", "/v1/endpoint-services?region=ap-guangzhou&fields=name,autoAccept", {
      auth: t.auth,
    });
    const badField = await call("GET", "/v1/endpoint-services?fields=name,secret", { auth: t.auth });
    expect(byName.body.items.map((s: { id: string }) => s.id)).toEqual([a.id]);
    expect(byId.body.items.map((s: { id: string }) => s.id)).toEqual([b.id]);
    expect(byTag.body.items.map((s: { id: string }) => s.id)).toEqual([b.id]);
    expect(fields.body.items[0]).toEqual({ id: b.id, name: "search-db", autoAccept: false });
    expect(badField.body.error).toMatchObject({ code: "InvalidParameterValue", field: "fields" });
  });
});

/** The consumer's own provider side: a VPC and backend in its account. */
async function ownProvider(t: Consumer): Promise<Provider> {
  const vpc = await created(
    call("POST", "/v1/vpcs", {
      auth: t.auth,
      body: { region: "ap-guangzhou", name: "own", cidrBlock: "10.9.0.0/16" },
    }),
  );
  return { ...t, vpcId: vpc.id, backendId: await backend(t, vpc.id, "CLB", "10.9"), prefix: "10.9" };
}

describe("endpoints", () => {
  it("connects within one account without an allowlist", async () => {
    const own = await ownProvider(c);
    const s = await service(own);
    const reply = await endpoint(c, s.id);
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      id: expect.stringMatching(/^vpce-[0-9a-z]{8}$/),
      state: "pending",
      serviceOwnerUin: c.uin,
      serviceName: s.name,
      ownerUin: c.uin,
      region: "ap-guangzhou",
      subnetId: c.subnetId,
      ip: expect.stringMatching(/^10\.1\.1\.\d+$/),
      serviceDeleted: false,
    });
  });

  it("refuses another account not on the allowlist, and writes nothing", async () => {
    const s = await service(p);
    const other = await consumer();
    const reply = await endpoint(other, s.id, { ip: "10.1.1.77" });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe("ResourceUnavailable.ServiceWhiteListNotAdded");
    expect((await call("GET", "/v1/endpoints", { auth: other.auth })).body.items).toEqual([]);
    expect((await call("GET", `/v1/endpoint-services/${s.id}`, { auth: p.auth })).body.endpointCount).toBe(0);
    // The address was not taken and nothing holds the subnet.
    await allow(p, s.id, other.uin);
    expect((await endpoint(other, s.id, { ip: "10.1.1.77" })).status).toBe(201);
  });

  it("takes a given IP inside the subnet, refuses reserved, outside and taken ones, and frees it on delete", async () => {
    const { s } = await connected();
    const mine = await created(endpoint(c, s.id, { ip: "10.1.1.200" }));
    const taken = await endpoint(c, s.id, { ip: "10.1.1.200" });
    const outside = await endpoint(c, s.id, { ip: "10.1.2.5" });
    const malformed = await endpoint(c, s.id, { ip: "10.1.1" });
    expect(mine.ip).toBe("10.1.1.200");
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: "ResourceInUse", field: "ip" });
    expect(outside.body.error).toMatchObject({ code: "InvalidParameterValue", field: "ip" });
    expect(malformed.body.error).toMatchObject({ code: "InvalidParameterValue.Malformed", field: "ip" });
    for (const reserved of ["10.1.1.0", "10.1.1.1", "10.1.1.255"]) {
      expect((await endpoint(c, s.id, { ip: reserved })).body.error).toMatchObject({
        code: "InvalidParameterValue.Reserved",
        field: "ip",
      });
    }
    expect((await call("DELETE", `/v1/endpoints/${mine.id}`, { auth: c.auth })).status).toBe(204);
    expect((await endpoint(c, s.id, { ip: "10.1.1.200" })).status).toBe(201);
  });

  it("checks VPC, subnet and region", async () => {
    const { s } = await connected();
    const otherVpc = await created(
      call("POST", "/v1/vpcs", {
        auth: c.auth,
        body: { region: "ap-guangzhou", name: "x", cidrBlock: "10.2.0.0/16" },
      }),
    );
    const mismatch = await endpoint(c, s.id, { vpcId: otherVpc.id });
    const noSubnet = await endpoint(c, s.id, { subnetId: "subnet-00000000" });
    const noService = await endpoint(c, "vpcsvc-00000000");
    const shanghai = await consumer("ap-shanghai");
    await allow(p, s.id, shanghai.uin);
    const region = await endpoint(shanghai, s.id);
    expect(mismatch.body.error).toMatchObject({
      code: "UnsupportedOperation.VpcMismatch",
      field: "subnetId",
    });
    expect(noSubnet.body.error).toMatchObject({ code: "ResourceNotFound", field: "subnetId" });
    expect(noService.body.error).toMatchObject({ code: "ResourceNotFound", field: "endpointServiceId" });
    expect(region.body.error).toMatchObject({
      code: "UnsupportedOperation.VpcMismatch",
      field: "endpointServiceId",
    });
  });

  it("makes creation idempotent with a clientToken", async () => {
    const { s } = await connected();
    const first = await endpoint(c, s.id, { clientToken: "tok-1", name: "idem" });
    const again = await endpoint(c, s.id, { clientToken: "tok-1", name: "idem" });
    const different = await endpoint(c, s.id, { clientToken: "tok-1", name: "other" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(different.status).toBe(409);
    expect(different.body.error).toMatchObject({ code: "IdempotentParameterMismatch", field: "clientToken" });
  });

  it("remembers a clientToken for a day by the clock, and not a second longer", async () => {
    // Prepare: the clock stopped, an endpoint made with a token.
    const { s } = await connected();
    const clock = frozen();
    try {
      const first = await endpoint(c, s.id, { clientToken: "tok-day", name: "day" });
      // Act: the same request just inside the day, and just after it.
      clock.advance(86_400_000);
      const lastSecond = await endpoint(c, s.id, { clientToken: "tok-day", name: "day" });
      clock.advance(1_000);
      const dayAfter = await endpoint(c, s.id, { clientToken: "tok-day", name: "day" });
      // Assess
      expect(first.status).toBe(201);
      expect(lastSecond.body.id).toBe(first.body.id);
      expect(lastSecond.headers.get("idempotent-replayed")).toBe("true");
      expect(dayAfter.status).toBe(201);
      expect(dayAfter.body.id).not.toBe(first.body.id);
      expect(dayAfter.headers.get("idempotent-replayed")).toBeNull();
    } finally {
      clock.release();
    }
  });

  it("treats tags as part of the body a clientToken remembers, and forgets an expired token", async () => {
    const { s } = await connected();
    const first = await endpoint(c, s.id, { clientToken: "tok-tags", tags: [{ key: "team", value: "a" }] });
    const otherTags = await endpoint(c, s.id, {
      clientToken: "tok-tags",
      tags: [{ key: "team", value: "b" }],
    });
    expect(first.status).toBe(201);
    expect(otherTags.status).toBe(409);
    // A token past its 24 hours (TTL deletes lazily) is as good as gone.
    const { Db } = await import("../../core/db/client.ts");
    const Keys = await import("../../core/db/keys.ts");
    const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
    await Db.client().send(
      new PutCommand({
        TableName: Db.table(),
        Item: {
          ...Keys.clientToken(c.uin, "tok-old"),
          type: "ClientToken",
          v: 1,
          endpointId: first.body.id,
          bodyHash: "x",
          expiresAt: 1,
        },
      }),
    );
    const reused = await endpoint(c, s.id, { clientToken: "tok-old", name: "fresh" });
    expect(reused.status).toBe(201);
    expect(reused.body.id).not.toBe(first.body.id);
  });

  it("refuses malformed tag filters with a 400", async () => {
    const empty = await call("GET", "/v1/endpoints?tag:=x", { auth: c.auth });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe("tag");
    const many = await call(
      "GET",
      `/v1/endpoints?${Array.from({ length: 11 }, (_, i) => `tag:k${i}=v`).join("&")}`,
      { auth: c.auth },
    );
    expect(many.status).toBe(400);
  });

  it("renames, retags, lists with filters, and keeps the subnet and VPC from being deleted while used", async () => {
    const { s, ep } = await connected();
    const renamed = await call("PATCH", `/v1/endpoints/${ep.id}`, {
      auth: c.auth,
      body: { name: "新名字", tags: [{ key: "team", value: "db" }] },
    });
    expect(renamed.body).toMatchObject({ name: "新名字", tags: [{ key: "team", value: "db" }] });
    const byService = await call("GET", `/v1/endpoints?serviceId=${s.id}`, { auth: c.auth });
    const byState = await call("GET", `/v1/endpoints?region=ap-guangzhou&state=available&serviceId=${s.id}`, {
      auth: c.auth,
    });
    const byTag = await call("GET", "/v1/endpoints?tag:team=db", { auth: c.auth });
    expect(byService.body.items.map((e: { id: string }) => e.id)).toEqual([ep.id]);
    expect(byState.body.items).toEqual([]);
    expect(byTag.body.items.map((e: { id: string }) => e.id)).toEqual([ep.id]);
    expect((await call("DELETE", `/v1/subnets/${c.subnetId}`, { auth: c.auth })).status).toBe(409);
    expect((await call("DELETE", `/v1/vpcs/${c.vpcId}`, { auth: c.auth })).status).toBe(409);
  });
});

describe("connections", () => {
  it("goes pending → available → rejected → available with a history that says who and why", async () => {
    // Prepare
    const { s, ep } = await connected();
    // Act
    const accepted = await decide(p, s.id, "accept", [ep.id]);
    const rejected = await decide(p, s.id, "reject", [ep.id]);
    const rejectedAgain = await decide(p, s.id, "reject", [ep.id]);
    const reaccepted = await decide(p, s.id, "accept", [ep.id]);
    const acceptedAgain = await decide(p, s.id, "accept", [ep.id]);
    // Assess
    expect(accepted.body.results).toEqual([{ endpointId: ep.id, ok: true, state: "available" }]);
    expect(rejected.body.results[0].state).toBe("rejected");
    expect(rejectedAgain.body.results[0]).toEqual({ endpointId: ep.id, ok: true, state: "rejected" });
    expect(reaccepted.body.results[0].state).toBe("available");
    expect(acceptedAgain.body.results[0].state).toBe("available");
    const history = await historyOf(ep.id);
    expect(history.map((h) => [h.sequence, h.from, h.to, h.actor])).toEqual([
      [1, null, "pending", c.uin],
      [2, "pending", "available", p.uin],
      [3, "available", "rejected", p.uin],
      [4, "rejected", "available", p.uin],
    ]);
    const providerView = await call("GET", `/v1/endpoint-services/${s.id}/connections/${ep.id}/history`, {
      auth: p.auth,
    });
    expect(providerView.body.items).toEqual(await historyOf(ep.id).then((h) => h));
    expect((await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body.state).toBe("available");
  });

  it("answers a batch per item: one bad or foreign ID does not spoil the others", async () => {
    const { s, ep } = await connected();
    const second = await created(endpoint(c, s.id));
    const { ep: foreign } = await connected();
    const reply = await decide(p, s.id, "accept", [ep.id, "nope", foreign.id, second.id, "vpce-00000000"]);
    expect(reply.status).toBe(200);
    expect(reply.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, false, true, false]);
    expect(reply.body.results[1].error.code).toBe("InvalidParameterValue.Malformed");
    expect(reply.body.results[2].error.code).toBe("ResourceNotFound");
    const tooMany = await decide(
      p,
      s.id,
      "accept",
      Array.from({ length: 501 }, () => ep.id),
    );
    const none = await decide(p, s.id, "accept", []);
    expect(tooMany.body.error).toMatchObject({ code: "InvalidParameterValue.TooLong", field: "endpointIds" });
    expect(none.body.error.field).toBe("endpointIds");
  });

  it("lets only the service's owner accept or reject", async () => {
    const { s, ep } = await connected();
    const byConsumer = await decide({ ...p, auth: c.auth }, s.id, "accept", [ep.id]);
    expect(byConsumer.status).toBe(404);
    expect((await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body.state).toBe("pending");
  });

  it("lists a service's connections by state, for the provider", async () => {
    const { s, ep } = await connected();
    const other = await created(endpoint(c, s.id));
    await decide(p, s.id, "accept", [other.id]);
    const pending = await call("GET", `/v1/endpoint-services/${s.id}/connections?state=pending`, {
      auth: p.auth,
    });
    const all = await call("GET", `/v1/endpoint-services/${s.id}/connections`, { auth: p.auth });
    expect(pending.body.items.map((x: { endpointId: string }) => x.endpointId)).toEqual([ep.id]);
    expect(all.body.items.map((x: { endpointId: string }) => x.endpointId)).toEqual([other.id, ep.id]);
    expect(all.body.items[0]).toMatchObject({
      ownerUin: c.uin,
      state: "available",
      referenceState: "ACTIVE",
      ip: other.ip,
    });
  });

  // How fast the stream accepts is measured by bench/privatelink.ts; here only that it does, once.
  it("auto-accepts through the stream, and a replay of that batch changes nothing", async () => {
    // Prepare
    const s = await service(p, { autoAccept: true });
    await allow(p, s.id, c.uin);
    // Act
    const ep = await created(endpoint(c, s.id));
    await until(
      async () => (await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body.state === "available",
      15_000,
      "auto-accept",
    );
    // Assess
    expect(ep.state).toBe("accepting");
    const history = await historyOf(ep.id);
    expect(history.map((h) => [h.from, h.to, h.actor])).toEqual([
      [null, "accepting", c.uin],
      ["accepting", "available", "system:auto-accept"],
    ]);
    // Replay: the batch that carried the creation, handed to the stream handler three more times.
    const batch = stream.batches.find((b) =>
      b.Records.some((r) => r.dynamodb?.NewImage?.id?.S === ep.id && r.eventName === "INSERT"),
    );
    expect(batch).toBeDefined();
    const { handler } = await import("../../functions/streams/handler.ts");
    for (let i = 0; i < 3; i++) expect((await handler(batch as never)).batchItemFailures).toEqual([]);
    expect(await historyOf(ep.id)).toEqual(history);
    expect((await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body.state).toBe("available");
  });

  it("applies auto-accept to later requests only", async () => {
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const before = await created(endpoint(c, s.id));
    await call("PATCH", `/v1/endpoint-services/${s.id}`, { auth: p.auth, body: { autoAccept: true } });
    const after = await created(endpoint(c, s.id));
    await until(
      async () =>
        (await call("GET", `/v1/endpoints/${after.id}`, { auth: c.auth })).body.state === "available",
      5_000,
      "auto-accept",
    );
    await stream.poller.idle();
    expect((await call("GET", `/v1/endpoints/${before.id}`, { auth: c.auth })).body.state).toBe("pending");
  });
});

describe("allowlist", () => {
  it("adds, lists, filters, edits and refuses unknown or repeated accounts", async () => {
    const s = await service(p);
    const t = await newTenant();
    const added = await allow(p, s.id, t.uin, { description: "team b", connectionLimit: 2 });
    const twice = await allow(p, s.id, t.uin);
    const unknown = await allow(p, s.id, "99999999999");
    const self = await allow(p, s.id, p.uin);
    const longDescription = await allow(p, s.id, c.uin, { description: "d".repeat(61) });
    const edited = await call("PATCH", `/v1/endpoint-services/${s.id}/allowlist/${t.uin}`, {
      auth: p.auth,
      body: { description: "renamed", connectionLimit: null },
    });
    const filtered = await call("GET", `/v1/endpoint-services/${s.id}/allowlist?uin=${t.uin}`, {
      auth: p.auth,
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      uin: t.uin,
      description: "team b",
      connectionLimit: 2,
      connectionCount: 0,
    });
    expect(twice.body.error.code).toBe("ResourceInUse");
    expect(unknown.body.error).toMatchObject({ code: "UnsupportedOperation.UinNotFound", field: "uin" });
    expect(self.body.error.field).toBe("uin");
    expect(longDescription.body.error).toMatchObject({
      code: "InvalidParameterValue.TooLong",
      field: "description",
    });
    expect(edited.body).toMatchObject({ description: "renamed", connectionLimit: null });
    expect(filtered.body.items).toHaveLength(1);
  });

  it("enforces a per-account connection limit", async () => {
    const s = await service(p);
    const t = await consumer();
    await allow(p, s.id, t.uin, { connectionLimit: 2 });
    const replies = await Promise.all([
      endpoint(t, s.id),
      endpoint(t, s.id),
      endpoint(t, s.id),
      endpoint(t, s.id),
    ]);
    expect(replies.filter((r) => r.status === 201)).toHaveLength(2);
    expect(replies.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual([
      "LimitExceeded",
      "LimitExceeded",
    ]);
    const entry = await call("GET", `/v1/endpoint-services/${s.id}/allowlist?uin=${t.uin}`, { auth: p.auth });
    expect(entry.body.items[0].connectionCount).toBe(2);
    const one = replies.find((r) => r.status === 201)?.body;
    await call("DELETE", `/v1/endpoints/${one.id}`, { auth: t.auth });
    expect((await endpoint(t, s.id)).status).toBe(201);
  });

  it("removes accounts, optionally rejecting their live connections, answered per UIN", async () => {
    const s = await service(p);
    const keep = await consumer();
    const drop = await consumer();
    await allow(p, s.id, keep.uin);
    await allow(p, s.id, drop.uin);
    const kept = await created(endpoint(keep, s.id));
    const dropped = await created(endpoint(drop, s.id));
    await decide(p, s.id, "accept", [kept.id, dropped.id]);
    const removal = await call("POST", `/v1/endpoint-services/${s.id}/allowlist/remove`, {
      auth: p.auth,
      body: { uins: [drop.uin, "100000000009"], rejectConnections: true },
    });
    expect(removal.body.results).toEqual([
      { uin: drop.uin, ok: true, rejectedConnections: 1 },
      { uin: "100000000009", ok: false, error: { code: "ResourceNotFound", message: expect.any(String) } },
    ]);
    expect((await call("GET", `/v1/endpoints/${dropped.id}`, { auth: drop.auth })).body.state).toBe(
      "rejected",
    );
    expect((await call("GET", `/v1/endpoints/${kept.id}`, { auth: keep.auth })).body.state).toBe("available");
    const last = (
      await call("GET", `/v1/endpoints/${dropped.id}/history`, { auth: drop.auth })
    ).body.items.at(-1);
    expect(last).toMatchObject({ to: "rejected", reason: "removed from the allowlist", actor: p.uin });
    expect((await endpoint(drop, s.id)).body.error.code).toBe("ResourceUnavailable.ServiceWhiteListNotAdded");
    // Removing without rejecting leaves the connection as it was.
    expect(
      (await call("DELETE", `/v1/endpoint-services/${s.id}/allowlist/${keep.uin}`, { auth: p.auth })).status,
    ).toBe(204);
    expect((await call("GET", `/v1/endpoints/${kept.id}`, { auth: keep.auth })).body.state).toBe("available");
  });
});

describe("security groups on an endpoint", () => {
  it("binds in priority order, reorders, unbinds, and protects bound groups from deletion", async () => {
    const { ep } = await connected();
    const sgs: string[] = [];
    for (let i = 0; i < 6; i++) {
      sgs.push(
        (
          await created(
            call("POST", "/v1/security-groups", {
              auth: c.auth,
              body: { region: "ap-guangzhou", name: `sg${i}` },
            }),
          )
        ).id,
      );
    }
    const put = await call("PUT", `/v1/endpoints/${ep.id}/security-groups`, {
      auth: c.auth,
      body: { securityGroupIds: [sgs[2], sgs[0], sgs[1]] },
    });
    const reorder = await call("PUT", `/v1/endpoints/${ep.id}/security-groups`, {
      auth: c.auth,
      body: { securityGroupIds: [sgs[1], sgs[2]] },
    });
    const tooMany = await call("PUT", `/v1/endpoints/${ep.id}/security-groups`, {
      auth: c.auth,
      body: { securityGroupIds: sgs },
    });
    const inUse = await call("DELETE", `/v1/security-groups/${sgs[1]}`, { auth: c.auth });
    const unbound = await call("DELETE", `/v1/endpoints/${ep.id}/security-groups/${sgs[1]}`, {
      auth: c.auth,
    });
    const freed = await call("DELETE", `/v1/security-groups/${sgs[0]}`, { auth: c.auth });
    expect(put.body.items).toEqual([
      { securityGroupId: sgs[2], priority: 1 },
      { securityGroupId: sgs[0], priority: 2 },
      { securityGroupId: sgs[1], priority: 3 },
    ]);
    expect(reorder.body.items.map((b: { securityGroupId: string }) => b.securityGroupId)).toEqual([
      sgs[1],
      sgs[2],
    ]);
    expect(tooMany.body.error).toMatchObject({
      code: "InvalidParameterValue.TooLong",
      field: "securityGroupIds",
    });
    expect(inUse.status).toBe(409);
    expect(unbound.body.items).toEqual([{ securityGroupId: sgs[2], priority: 1 }]);
    expect(freed.status).toBe(204);
    expect((await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body.securityGroupIds).toEqual([
      sgs[2],
    ]);
  });

  it("refuses a group that is someone else's or in another region", async () => {
    const { ep } = await connected();
    const theirs = await created(
      call("POST", "/v1/security-groups", { auth: p.auth, body: { region: "ap-guangzhou", name: "x" } }),
    );
    const far = await created(
      call("POST", "/v1/security-groups", { auth: c.auth, body: { region: "ap-beijing", name: "x" } }),
    );
    for (const id of [theirs.id, far.id]) {
      const reply = await call("PUT", `/v1/endpoints/${ep.id}/security-groups`, {
        auth: c.auth,
        body: { securityGroupIds: [id] },
      });
      expect(reply.body.error).toMatchObject({ code: "ResourceNotFound", field: "securityGroupIds" });
    }
  });

  it("binds one at creation", async () => {
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const sg = await created(
      call("POST", "/v1/security-groups", { auth: c.auth, body: { region: "ap-guangzhou", name: "x" } }),
    );
    const ep = await created(endpoint(c, s.id, { securityGroupId: sg.id }));
    expect(ep.securityGroupIds).toEqual([sg.id]);
    expect((await call("DELETE", `/v1/security-groups/${sg.id}`, { auth: c.auth })).status).toBe(409);
  });
});

describe("service deletion", () => {
  it("is refused while connections are live, and rejects them first when asked", async () => {
    // Prepare
    const { s, ep } = await connected();
    await decide(p, s.id, "accept", [ep.id]);
    // Act
    const refused = await call("DELETE", `/v1/endpoint-services/${s.id}`, { auth: p.auth });
    const deleted = await call("DELETE", `/v1/endpoint-services/${s.id}?rejectConnections=true`, {
      auth: p.auth,
    });
    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("ResourceInUse");
    expect(deleted.status).toBe(204);
    expect((await call("GET", `/v1/endpoint-services/${s.id}`, { auth: p.auth })).status).toBe(404);
    await until(
      async () =>
        (await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body.serviceDeleted === true,
      5_000,
      "serviceDeleted",
    );
    const left = (await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body;
    expect(left.state).toBe("rejected");
    expect((await historyOf(ep.id)).at(-1)).toMatchObject({
      from: "available",
      to: "rejected",
      reason: "endpoint service deleted",
    });
    expect((await call("DELETE", `/v1/endpoints/${ep.id}`, { auth: c.auth })).status).toBe(204);
    // The backend is free for a new service.
    expect((await service(p, { backendInstanceId: s.backendInstanceId })).backendInstanceId).toBe(
      s.backendInstanceId,
    );
  });

  it("deletes at once with only rejected connections", async () => {
    const { s, ep } = await connected();
    await decide(p, s.id, "reject", [ep.id]);
    expect((await call("DELETE", `/v1/endpoint-services/${s.id}`, { auth: p.auth })).status).toBe(204);
  });

  it("keeps endpoints showing the service's current name", async () => {
    const { s, ep } = await connected();
    await call("PATCH", `/v1/endpoint-services/${s.id}`, { auth: p.auth, body: { name: "new-name" } });
    await until(
      async () =>
        (await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body.serviceName === "new-name",
      5_000,
      "rename",
    );
  });
});

describe("CSV export", () => {
  it("streams RFC 4180 CSV with a BOM, a header, the chosen fields and a dated file name", async () => {
    const t = await provider();
    await service(t, { name: "报表服务", tags: [{ key: "note", value: 'has, "quotes"; and a comma' }] });
    await service(t, { name: "plain" });
    const reply = await call(
      "GET",
      "/v1/endpoint-services/export?region=ap-guangzhou&fields=id,name,autoAccept,tags",
      { auth: t.auth },
    );
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(reply.headers.get("content-disposition")).toMatch(
      /^attachment; filename="endpoint-services-ap-guangzhou-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(reply.text.charCodeAt(0)).toBe(0xfeff);
    const rows = parse(reply.text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.name).sort()).toEqual(["plain", "报表服务"].sort());
    expect(rows.find((r) => r.name === "报表服务")?.tags).toBe('note=has, "quotes"; and a comma');
    expect(Object.keys(rows[0] as object)).toEqual(["id", "name", "autoAccept", "tags"]);
  });

  it("exports what the list shows: a tag filter, and with authorized=true the allowed services' public fields", async () => {
    // Prepare: a provider with a tagged and an untagged service, a consumer allowed on the tagged one.
    const t = await provider();
    const u = await consumer();
    const tagged = await service(t, { name: "tagged", tags: [{ key: "env", value: "prod" }] });
    const untagged = await service(t, { name: "untagged" });
    await allow(t, tagged.id, u.uin);
    const rowsOf = async (tenant: { auth: string }, query: string) => {
      const reply = await call("GET", `/v1/endpoint-services/export?region=ap-guangzhou${query}`, {
        auth: tenant.auth,
      });
      expect(reply.status).toBe(200);
      return parse(reply.text, { bom: true, columns: true }) as Array<Record<string, string>>;
    };
    // Act
    const byTag = await rowsOf(t, "&tag:env=prod");
    const allowed = await rowsOf(u, "&authorized=true");
    const own = await rowsOf(u, "");
    // Assess
    expect(byTag.map((r) => r.id)).toEqual([tagged.id]);
    expect((await rowsOf(t, "")).map((r) => r.id).sort()).toEqual([tagged.id, untagged.id].sort());
    expect(allowed.map((r) => r.id)).toEqual([tagged.id]);
    expect(Object.keys(allowed[0] as object)).toEqual([
      "id",
      "name",
      "region",
      "serviceType",
      "ownerUin",
      "autoAccept",
      "createdAt",
    ]);
    expect(own).toEqual([]);
  });

  it("exports endpoints, needs a region and refuses unknown fields", async () => {
    const { ep } = await connected();
    const reply = await call("GET", "/v1/endpoints/export?region=ap-guangzhou", { auth: c.auth });
    const rows = parse(reply.text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows.find((r) => r.id === ep.id)).toMatchObject({
      ip: ep.ip,
      state: "pending",
      serviceOwnerUin: p.uin,
    });
    expect((await call("GET", "/v1/endpoints/export", { auth: c.auth })).body.error).toMatchObject({
      code: "MissingParameter",
      field: "region",
    });
    expect(
      (await call("GET", "/v1/endpoints/export?region=ap-guangzhou&fields=nope", { auth: c.auth })).body.error
        .field,
    ).toBe("fields");
  });
});

describe("tenancy", () => {
  it("keeps a third account from seeing or changing the service, its allowlist, its connections or the endpoint", async () => {
    // Prepare
    const { s, ep } = await connected();
    const stranger = await newTenant("stranger");
    const a = stranger.auth;
    // Act and assess: every read and write answers 404, as for something that does not exist.
    const attempts = [
      call("GET", `/v1/endpoint-services/${s.id}`, { auth: a }),
      call("PATCH", `/v1/endpoint-services/${s.id}`, { auth: a, body: { name: "mine" } }),
      call("DELETE", `/v1/endpoint-services/${s.id}?rejectConnections=true`, { auth: a }),
      call("GET", `/v1/endpoint-services/${s.id}/allowlist`, { auth: a }),
      call("POST", `/v1/endpoint-services/${s.id}/allowlist`, { auth: a, body: { uin: stranger.uin } }),
      call("PATCH", `/v1/endpoint-services/${s.id}/allowlist/${c.uin}`, {
        auth: a,
        body: { description: "x" },
      }),
      call("DELETE", `/v1/endpoint-services/${s.id}/allowlist/${c.uin}`, { auth: a }),
      call("POST", `/v1/endpoint-services/${s.id}/allowlist/remove`, { auth: a, body: { uins: [c.uin] } }),
      call("GET", `/v1/endpoint-services/${s.id}/connections`, { auth: a }),
      call("POST", `/v1/endpoint-services/${s.id}/connections/accept`, {
        auth: a,
        body: { endpointIds: [ep.id] },
      }),
      call("POST", `/v1/endpoint-services/${s.id}/connections/reject`, {
        auth: a,
        body: { endpointIds: [ep.id] },
      }),
      call("GET", `/v1/endpoint-services/${s.id}/connections/${ep.id}/history`, { auth: a }),
      call("GET", `/v1/endpoints/${ep.id}`, { auth: a }),
      call("PATCH", `/v1/endpoints/${ep.id}`, { auth: a, body: { name: "mine" } }),
      call("DELETE", `/v1/endpoints/${ep.id}`, { auth: a }),
      call("GET", `/v1/endpoints/${ep.id}/history`, { auth: a }),
      call("GET", `/v1/endpoints/${ep.id}/security-groups`, { auth: a }),
      call("PUT", `/v1/endpoints/${ep.id}/security-groups`, { auth: a, body: { securityGroupIds: [] } }),
    ];
    for (const reply of await Promise.all(attempts)) {
      expect(reply.status, reply.text).toBe(404);
      expect(reply.body.error.code).toBe("ResourceNotFound");
    }
    expect((await call("GET", "/v1/endpoint-services", { auth: a })).body.items).toEqual([]);
    expect((await call("GET", "/v1/endpoints", { auth: a })).body.items).toEqual([]);
    const csv = await call("GET", "/v1/endpoints/export?region=ap-guangzhou", { auth: a });
    expect(csv.text).not.toContain(ep.id);
    // And nothing changed.
    expect((await call("GET", `/v1/endpoint-services/${s.id}`, { auth: p.auth })).body.name).toBe(s.name);
    expect((await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body).toMatchObject({
      name: ep.name,
      state: "pending",
    });
    expect(
      (await call("GET", `/v1/endpoint-services/${s.id}/allowlist`, { auth: p.auth })).body.items,
    ).toHaveLength(1);
  });

  it("keeps the consumer from acting as the provider of a service it connects to", async () => {
    const { s, ep } = await connected();
    expect((await call("GET", `/v1/endpoint-services/${s.id}`, { auth: c.auth })).status).toBe(404);
    expect((await decide({ ...p, auth: c.auth }, s.id, "accept", [ep.id])).status).toBe(404);
  });
});

describe("budgets", () => {
  // The counts are of the route's own calls: a credential whose 5 s cache ran out under load would add
  // its read (seen in loaded runs). The longest cache the server allows keeps the warmed one.
  withEnv({ LINKPLANE_AUTH_CACHE_SECONDS: "60" });

  it("GET of an endpoint or a service is one read", async () => {
    const { s, ep } = await connected();
    await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth });
    await call("GET", `/v1/endpoint-services/${s.id}`, { auth: p.auth });
    expect(
      (await Db.recordCommands(() => call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth }))).commands,
    ).toEqual(["GetItem"]);
    expect(
      (await Db.recordCommands(() => call("GET", `/v1/endpoint-services/${s.id}`, { auth: p.auth })))
        .commands,
    ).toEqual(["GetItem"]);
  });

  it("a list page is one Query", async () => {
    await call("GET", "/v1/endpoints?region=ap-guangzhou", { auth: c.auth });
    expect(
      (await Db.recordCommands(() => call("GET", "/v1/endpoints?region=ap-guangzhou&q=ep", { auth: c.auth })))
        .commands,
    ).toEqual(["Query"]);
  });

  it("creating an endpoint takes at most 4 round trips, one of them the TransactWriteItems", async () => {
    const s = await service(p);
    await allow(p, s.id, c.uin);
    // A subnet of its own: in the file's shared one a guessed address can be taken, which is a second try.
    const subnet = await ownSubnet("10.1.242.0/24");
    await call("GET", "/v1/endpoints", { auth: c.auth });
    const { commands } = await Db.recordCommands(() => endpoint({ ...c, subnetId: subnet.id }, s.id));
    expect(commands.length).toBeLessThanOrEqual(4);
    expect(commands.filter((x) => x === "TransactWriteItems")).toHaveLength(1);
    expect(commands).not.toContain("Scan");
  });

  it("creating in a mostly free subnet reads no reservations; in a quarter-used one it reads them first", async () => {
    // Prepare: a /28 (13 usable addresses) of the consumer's, and a service it may connect to
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const subnet = await ownSubnet("10.1.240.0/28");
    const create = () => created(endpoint({ ...c, subnetId: subnet.id }, s.id));
    // Act
    const first = await Db.recordCommands(create);
    for (let i = 0; i < 3; i++) await create();
    const fifth = await Db.recordCommands(create);
    // Assess: 0 of 13 in use, a guess; 4 of 13 (over a quarter), the read first
    expect(first.commands).toEqual(["BatchGetItem", "TransactWriteItems"]);
    expect(fifth.commands).toEqual(["BatchGetItem", "Query", "TransactWriteItems"]);
  });

  it("a guessed address that is taken is replaced after reading the reservations", async () => {
    // Prepare: a /28 whose first usable address is taken, and the guess steered onto it
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const subnet = await ownSubnet("10.1.241.0/28");
    const here = { ...c, subnetId: subnet.id };
    await created(endpoint(here, s.id, { ip: "10.1.241.2" }));
    const random = vi.spyOn(Math, "random").mockReturnValueOnce(0);
    try {
      // Act
      const { result, commands } = await Db.recordCommands(() => created(endpoint(here, s.id)));
      // Assess: the guess lost, the retry read what is taken and chose another address
      expect(commands).toEqual(["BatchGetItem", "TransactWriteItems", "Query", "TransactWriteItems"]);
      expect(result.ip).not.toBe("10.1.241.2");
      expect(result.ip).toMatch(/^10\.1\.241\.(\d+)$/);
    } finally {
      random.mockRestore();
    }
  });

  it("a batch of N transitions is ⌈(N+1)/100⌉ BatchGetItem (the service's with them) and one transaction per 49", async () => {
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await created(endpoint(c, s.id))).id);
    await call("GET", "/v1/endpoints", { auth: p.auth });
    const { commands } = await Db.recordCommands(() => decide(p, s.id, "accept", ids));
    expect(commands).toEqual(["BatchGetItem", "TransactWriteItems"]);
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { MetricExportFiles } from "../../core/metrics/export-files.ts";
import { FolderStore, type ObjectStore, useObjectStore } from "../../core/storage/index.ts";
import { WebhookDispatch, WebhookModel } from "../../core/webhook/index.ts";
import * as WebhookPayloads from "../../core/webhook/payloads.ts";
import { handler as streamHandler } from "../../functions/streams/handler.ts";
import { call, created, type Tenant } from "../support/api.ts";
import {
  allow,
  type Consumer,
  consumer,
  decide,
  endpoint,
  type Provider,
  provider,
  service,
  startStream,
} from "../support/privatelink.ts";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import { until } from "../support/wait.ts";

process.env.LINKPLANE_WEBHOOK_ALLOW_PRIVATE = "true";
process.env.LINKPLANE_WEBHOOK_ALLOW_HTTP = "true";
Config.reset();

let stream: ReturnType<typeof startStream>;
const receivers: Receiver[] = [];
beforeAll(() => {
  stream = startStream();
});
afterAll(async () => {
  await stream.poller.stop();
  await WebhookDispatch.get().stop();
  WebhookDispatch.use(undefined);
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function subscribe(t: Tenant, url: string, body: Record<string, unknown> = {}) {
  return created(call("POST", "/v1/webhooks", { auth: t.auth, body: { url, events: ["*"], ...body } }));
}

/** A provider and a consumer, each subscribed to everything at its own receiver. */
async function pair() {
  const p = await provider();
  const c = await consumer();
  const pr = await receiver();
  const cr = await receiver();
  const pSecret = (await subscribe(p, pr.url)).secret as string;
  const cSecret = (await subscribe(c, cr.url)).secret as string;
  return { p, c, pr, cr, pSecret, cSecret };
}

/** Nothing of the provider's network, nor another consumer, in what a consumer is sent. */
function expectConsumerProjection(
  r: Receiver,
  p: Provider,
  s: { backendInstanceId: string; serviceVip: string },
) {
  for (const d of r.deliveries) {
    expect(d.body).not.toContain(p.vpcId);
    expect(d.body).not.toContain(s.backendInstanceId);
    expect(d.body).not.toContain(s.serviceVip);
  }
}

describe("connection events", () => {
  let p: Provider;
  let c: Consumer;
  let pr: Receiver;
  let cr: Receiver;
  let pSecret: string;
  let cSecret: string;
  beforeAll(async () => {
    ({ p, c, pr, cr, pSecret, cSecret } = await pair());
  });

  it("requested, accepted, rejected, deleted: each once to each side, signed, projected for each", async () => {
    // Prepare
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const other = await consumer();
    await allow(p, s.id, other.uin);
    await created(endpoint(other, s.id));
    // Act
    const ep = await created(endpoint(c, s.id));
    await until(() => cr.of("connection.requested").length === 1);
    await decide(p, s.id, "accept", [ep.id]);
    await until(() => cr.of("connection.accepted").length === 1);
    await decide(p, s.id, "reject", [ep.id]);
    await until(() => cr.of("connection.rejected").length === 1);
    await call("DELETE", `/v1/endpoints/${ep.id}`, { auth: c.auth });
    await until(() => cr.of("connection.deleted").length === 1 && pr.of("connection.deleted").length === 1);
    // Assess
    pr.verifyAll(pSecret);
    cr.verifyAll(cSecret);
    expect(cr.deliveries.map((d) => d.event.type)).toEqual([
      "allowlist.added",
      "connection.requested",
      "connection.accepted",
      "connection.rejected",
      "connection.deleted",
    ]);
    expect(cr.of("connection.requested")[0]?.event.data).toMatchObject({
      id: ep.id,
      previousState: null,
      state: "pending",
      version: 1,
      actor: c.uin,
    });
    expect(cr.of("connection.accepted")[0]?.event.data).toMatchObject({
      id: ep.id,
      endpointServiceId: s.id,
      serviceOwnerUin: p.uin,
      previousState: "pending",
      state: "available",
      version: 2,
      actor: p.uin,
      reason: "accepted by the provider",
    });
    expect(cr.of("connection.deleted")[0]?.event.data).toMatchObject({
      state: "deleted",
      previousState: "rejected",
      version: 4,
      actor: c.uin,
    });
    // The provider sees the connection as its connections listing shows it.
    expect(pr.of("connection.accepted").map((d) => d.event.data)).toEqual([
      expect.objectContaining({ endpointId: ep.id, endpointServiceId: s.id, ownerUin: c.uin, version: 2 }),
    ]);
    expectConsumerProjection(cr, p, s);
    // The other consumer's endpoint is in none of this consumer's events.
    for (const d of cr.deliveries) expect(d.body).not.toContain(other.uin);
    // Every delivery carries the Standard Webhooks envelope and our user agent.
    expect(cr.deliveries[0]?.event).toEqual({
      type: "allowlist.added",
      timestamp: expect.any(String),
      data: expect.any(Object),
    });
    expect(cr.deliveries[0]?.userAgent).toMatch(/^Linkplane-Webhooks\//);
  });

  it("auto-accept's own transition is an event like any other", async () => {
    const s = await service(p, { autoAccept: true });
    await allow(p, s.id, c.uin);
    const ep = await created(endpoint(c, s.id));
    await until(() => cr.of("connection.accepted").some((d) => d.event.data.id === ep.id));
    const accepted = cr.of("connection.accepted").find((d) => d.event.data.id === ep.id);
    expect(accepted?.event.data).toMatchObject({
      previousState: "accepting",
      state: "available",
      actor: "system:auto-accept",
    });
    const requested = cr.of("connection.requested").find((d) => d.event.data.id === ep.id);
    expect(requested?.event.data).toMatchObject({ state: "accepting", version: 1 });
  });

  it("replaying every stream batch three times adds no message and sends nothing again", async () => {
    // Prepare
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const ep = await created(endpoint(c, s.id));
    await decide(p, s.id, "accept", [ep.id]);
    await until(() => cr.of("connection.accepted").some((d) => d.event.data.id === ep.id));
    await WebhookDispatch.get().idle();
    const before = { p: pr.deliveries.length, c: cr.deliveries.length };
    const subs = (await call("GET", "/v1/webhooks", { auth: c.auth })).body.items;
    const messagesBefore = (
      await call("GET", `/v1/webhooks/${subs[0].id}/messages?limit=100`, { auth: c.auth })
    ).body.items.length;
    // Act
    for (let i = 0; i < 3; i++) {
      for (const batch of [...stream.batches]) await streamHandler(batch);
    }
    await WebhookDispatch.get().idle();
    // Assess
    expect({ p: pr.deliveries.length, c: cr.deliveries.length }).toEqual(before);
    const messagesAfter = (
      await call("GET", `/v1/webhooks/${subs[0].id}/messages?limit=100`, { auth: c.auth })
    ).body.items.length;
    expect(messagesAfter).toBe(messagesBefore);
  });

  it("50 racing accepts and rejects on one connection: one event per real transition", async () => {
    // Prepare
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const ep = await created(endpoint(c, s.id));
    // Act
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => decide(p, s.id, i % 2 === 0 ? "accept" : "reject", [ep.id])),
    );
    const history = (await call("GET", `/v1/endpoints/${ep.id}/history`, { auth: c.auth })).body
      .items as Array<{
      sequence: number;
      to: string;
    }>;
    const transitions = history.filter((h) => h.sequence > 1);
    const mine = (r: Receiver) =>
      r.deliveries.filter(
        (d) =>
          d.event.data.id === ep.id ||
          (d.event.data.endpointId === ep.id && d.event.type !== "connection.requested"),
      );
    await until(
      () => mine(cr).filter((d) => d.event.type !== "connection.requested").length === transitions.length,
      15_000,
      "the consumer's transition events",
    );
    await until(() => mine(pr).length === transitions.length, 15_000, "the provider's transition events");
    await WebhookDispatch.get().idle();
    // Assess
    const consumerEvents = mine(cr).filter((d) => d.event.type !== "connection.requested");
    expect(consumerEvents.map((d) => d.event.data.version).sort((a, b) => a - b)).toEqual(
      transitions.map((h) => h.sequence),
    );
    expect(new Set(consumerEvents.map((d) => d.id)).size).toBe(consumerEvents.length);
    expect(mine(pr)).toHaveLength(transitions.length);
  });
});

describe("service and allowlist events", () => {
  it("service updates and deletion go to the provider only; allowlist changes to both, each its own view", async () => {
    // Prepare
    const { p, c, pr, cr } = await pair();
    const s = await service(p);
    // Act
    await allow(p, s.id, c.uin, { description: "orders team" });
    await call("PATCH", `/v1/endpoint-services/${s.id}`, {
      auth: p.auth,
      body: { name: "renamed", autoAccept: true },
    });
    await call("PATCH", `/v1/endpoint-services/${s.id}`, { auth: p.auth, body: { name: "renamed" } });
    await call("DELETE", `/v1/endpoint-services/${s.id}/allowlist/${c.uin}`, { auth: p.auth });
    await call("DELETE", `/v1/endpoint-services/${s.id}`, { auth: p.auth });
    await until(
      () => pr.of("endpoint-service.deleted").length === 1 && cr.of("allowlist.removed").length === 1,
    );
    await WebhookDispatch.get().idle();
    // Assess
    expect(pr.deliveries.map((d) => d.event.type)).toEqual([
      "allowlist.added",
      "endpoint-service.updated",
      "allowlist.removed",
      "endpoint-service.deleted",
    ]);
    expect(pr.of("endpoint-service.updated")[0]?.event.data).toMatchObject({
      id: s.id,
      name: "renamed",
      autoAccept: true,
      vpcId: p.vpcId,
      changed: ["name", "autoAccept"],
      previous: { name: "svc", autoAccept: false },
    });
    expect(pr.of("allowlist.added")[0]?.event.data).toMatchObject({ uin: c.uin, description: "orders team" });
    expect(cr.deliveries.map((d) => d.event.type)).toEqual(["allowlist.added", "allowlist.removed"]);
    expect(cr.of("allowlist.added")[0]?.event.data).toEqual({
      endpointServiceId: s.id,
      uin: c.uin,
      endpointService: expect.objectContaining({ id: s.id, ownerUin: p.uin }),
    });
    // The provider's note about the consumer stays the provider's.
    for (const d of cr.deliveries) expect(d.body).not.toContain("orders team");
    expectConsumerProjection(cr, p, s);
  });

  it("deleting a service with live connections: the consumer hears its connection rejected and deleted", async () => {
    const { p, c, pr, cr } = await pair();
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const ep = await created(endpoint(c, s.id));
    await decide(p, s.id, "accept", [ep.id]);
    await call("DELETE", `/v1/endpoint-services/${s.id}?rejectConnections=true`, { auth: p.auth });
    await until(
      () => cr.of("connection.deleted").length === 1 && pr.of("endpoint-service.deleted").length === 1,
    );
    expect(cr.of("connection.rejected")[0]?.event.data).toMatchObject({ id: ep.id, state: "rejected" });
    expect(cr.of("connection.deleted")[0]?.event.data).toMatchObject({
      id: ep.id,
      serviceDeleted: true,
      actor: "system:service-deleted",
    });
    expect(cr.of("endpoint-service.deleted")).toHaveLength(0);
    expectConsumerProjection(cr, p, s);
  });

  it("subscriptions get only the events and services they name", async () => {
    // Prepare
    const p = await provider();
    const c = await consumer();
    const onlyAccepted = await receiver();
    const onlyOne = await receiver();
    const s1 = await service(p);
    const s2 = await service(p);
    await subscribe(p, onlyAccepted.url, { events: ["connection.accepted"] });
    await subscribe(p, onlyOne.url, { serviceIds: [s1.id] });
    // Act
    await allow(p, s1.id, c.uin);
    await allow(p, s2.id, c.uin);
    const e1 = await created(endpoint(c, s1.id));
    const e2 = await created(endpoint(c, s2.id));
    await decide(p, s1.id, "accept", [e1.id]);
    await decide(p, s2.id, "accept", [e2.id]);
    await until(() => onlyAccepted.deliveries.length === 2 && onlyOne.of("connection.accepted").length === 1);
    await WebhookDispatch.get().idle();
    // Assess
    expect(onlyAccepted.deliveries.map((d) => d.event.type)).toEqual([
      "connection.accepted",
      "connection.accepted",
    ]);
    expect(new Set(onlyOne.deliveries.map((d) => d.event.data.endpointServiceId))).toEqual(new Set([s1.id]));
    expect(onlyOne.deliveries.map((d) => d.event.type)).toEqual([
      "allowlist.added",
      "connection.requested",
      "connection.accepted",
    ]);
  });
});

describe("metric export events", () => {
  class FlakyStore implements ObjectStore {
    failures = 0;
    readonly inner = new FolderStore(mkdtempSync(join(tmpdir(), "lp-wh-exports-")));
    async put(...args: Parameters<ObjectStore["put"]>) {
      if (this.failures > 0) {
        this.failures--;
        throw new Error("storage is unavailable");
      }
      return this.inner.put(...args);
    }
    get(key: string) {
      return this.inner.get(key);
    }
  }
  afterAll(() => useObjectStore(undefined));

  it("a failed run and the retry that succeeds each reach the export's owner only", async () => {
    // Prepare
    const store = new FlakyStore();
    useObjectStore(store);
    const { p, c, pr, cr } = await pair();
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const ep = await created(endpoint(c, s.id));
    const exp = await created(
      call("POST", "/v1/metric-exports", {
        auth: c.auth,
        body: { name: "hourly", resources: [ep.id], granularity: "1h", format: "csv", schedule: "hourly" },
      }),
    );
    // Act: one period fails, the next tick retries it.
    const now = new Date();
    store.failures = 1;
    const first = await MetricExportFiles.runDue(now);
    await MetricExportFiles.runDue(now);
    await until(
      () => cr.of("metric-export.succeeded").length >= 1 && cr.of("metric-export.failed").length === 1,
    );
    await WebhookDispatch.get().idle();
    // Assess
    expect(first.failed).toBeGreaterThanOrEqual(1);
    expect(cr.of("metric-export.failed")[0]?.event.data).toMatchObject({
      exportId: exp.id,
      exportName: "hourly",
      status: "failed",
      error: "storage is unavailable",
    });
    const failedPeriod = cr.of("metric-export.failed")[0]?.event.data.periodFrom;
    expect(
      cr.of("metric-export.succeeded").find((d) => d.event.data.periodFrom === failedPeriod)?.event.data,
    ).toMatchObject({
      exportId: exp.id,
      status: "succeeded",
      attempts: 2,
    });
    expect(pr.deliveries.filter((d) => d.event.type.startsWith("metric-export."))).toHaveLength(0);
  });
});

describe("what was sent", () => {
  it("every event delivered in this file matches the schema /openapi.json documents for its type", () => {
    const all = receivers.flatMap((r) => r.deliveries);
    expect(all.length).toBeGreaterThan(40);
    const types = new Set<string>();
    for (const d of all) {
      const type = WebhookModel.EventType.parse(d.event.type);
      const parsed = WebhookPayloads.envelope(type).safeParse(d.event);
      expect(parsed.success, `${type}: ${parsed.error?.message}`).toBe(true);
      types.add(type);
    }
    expect(types.size).toBeGreaterThanOrEqual(10);
  });
});

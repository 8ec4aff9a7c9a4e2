import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Config } from "../../core/config.ts";
import { WebhookDispatch, WebhookDispatcher, WebhookModel } from "../../core/webhook/index.ts";
import { call, created, newTenant, type Tenant } from "../support/api.ts";
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
import { answer, type Receiver, startReceiver } from "../support/receiver.ts";
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
afterEach(() => {
  WebhookModel.useClock(undefined);
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function subscribe(t: Tenant, url: string, body: Record<string, unknown> = {}) {
  return created(call("POST", "/v1/webhooks", { auth: t.auth, body: { url, events: ["*"], ...body } }));
}

describe("webhooks: the connection workflow reaches both accounts", () => {
  let p: Provider;
  let c: Consumer;
  let pr: Receiver;
  let cr: Receiver;
  let pSecret: string;
  let cSecret: string;
  beforeAll(async () => {
    p = await provider();
    c = await consumer();
    pr = await receiver();
    cr = await receiver();
    pSecret = (await subscribe(p, pr.url)).secret;
    cSecret = (await subscribe(c, cr.url)).secret;
  });

  it("requested, accepted, rejected, deleted: each once to each side, signed, projected", async () => {
    // Prepare
    const s = await service(p);
    await allow(p, s.id, c.uin);
    // Act
    const ep = await created(endpoint(c, s.id));
    await until(
      () => pr.of("connection.requested").length === 1 && cr.of("connection.requested").length === 1,
    );
    await decide(p, s.id, "accept", [ep.id]);
    await until(() => pr.of("connection.accepted").length === 1 && cr.of("connection.accepted").length === 1);
    await decide(p, s.id, "reject", [ep.id]);
    await until(() => pr.of("connection.rejected").length === 1 && cr.of("connection.rejected").length === 1);
    await call("DELETE", `/v1/endpoints/${ep.id}`, { auth: c.auth });
    await until(() => pr.of("connection.deleted").length === 1 && cr.of("connection.deleted").length === 1);
    // Assess
    pr.verifyAll(pSecret);
    cr.verifyAll(cSecret);
    const accepted = cr.of("connection.accepted")[0]?.event;
    expect(accepted?.data).toMatchObject({
      id: ep.id,
      endpointServiceId: s.id,
      previousState: "pending",
      state: "available",
      version: 2,
      actor: p.uin,
    });
    const providerView = pr.of("connection.accepted")[0]?.event;
    expect(providerView?.data).toMatchObject({
      endpointId: ep.id,
      endpointServiceId: s.id,
      ownerUin: c.uin,
      version: 2,
    });
    // The consumer never sees the provider's VPC or backend.
    for (const d of cr.deliveries) {
      expect(d.body).not.toContain(p.vpcId);
      expect(d.body).not.toContain(s.backendInstanceId);
      expect(d.body).not.toContain(s.serviceVip);
    }
    expect(cr.of("connection.deleted")[0]?.event.data).toMatchObject({
      state: "deleted",
      previousState: "rejected",
      version: 4,
    });
  });
});

import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import {
  WebhookDispatch,
  WebhookDispatcher,
  WebhookLease,
  WebhookMessage,
  WebhookModel,
} from "../../core/webhook/index.ts";
import { retryDue } from "../../functions/cron/webhook-retry.ts";
import { call, created, newTenant, operatorAuth, type Tenant } from "../support/api.ts";
import { frozen as freeze } from "../support/clock.ts";
import { allow, consumer, endpoint, provider, service, startStream } from "../support/privatelink.ts";
import { answer, type Receiver, startReceiver } from "../support/receiver.ts";
import { until } from "../support/wait.ts";

process.env.LINKPLANE_WEBHOOK_ALLOW_PRIVATE = "true";
process.env.LINKPLANE_WEBHOOK_ALLOW_HTTP = "true";
process.env.LINKPLANE_WEBHOOK_MAX_PER_ACCOUNT = "5";
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
afterEach(async () => {
  held?.release();
  held = undefined;
  await WebhookDispatch.get().stop();
  WebhookDispatch.use(undefined);
  setEnv({ LINKPLANE_WEBHOOK_ALLOW_PRIVATE: "true", LINKPLANE_WEBHOOK_ALLOW_HTTP: "true" });
});

function setEnv(vars: Record<string, string>) {
  Object.assign(process.env, vars);
  Config.reset();
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function subscribe(t: Tenant, url: string, body: Record<string, unknown> = {}) {
  return created(call("POST", "/v1/webhooks", { auth: t.auth, body: { url, events: ["*"], ...body } }));
}

const sendTest = (t: Tenant, id: string) => call("POST", `/v1/webhooks/${id}/test`, { auth: t.auth });
const messageOf = (t: Tenant, id: string, msgId: string) =>
  call("GET", `/v1/webhooks/${id}/messages/${msgId}`, { auth: t.auth });

/** Time stands still unless moved; retries come from the job only (no timers), as a test drives them. */
let held: ReturnType<typeof freeze> | undefined;

function frozen() {
  held = freeze();
  const clock = held;
  WebhookDispatch.use(new WebhookDispatcher({ timerHorizonMs: 0 }));
  return clock;
}

describe("subscriptions", () => {
  it("creates with a secret shown once, reads, lists, updates and deletes", async () => {
    // Prepare
    const t = await newTenant();
    const r = await receiver();
    // Act
    const sub = await subscribe(t, r.url, { description: "ops", events: ["connection.accepted"] });
    const got = await call("GET", `/v1/webhooks/${sub.id}`, { auth: t.auth });
    const listed = await call("GET", "/v1/webhooks", { auth: t.auth });
    const patched = await call("PATCH", `/v1/webhooks/${sub.id}`, {
      auth: t.auth,
      body: { events: ["*"], enabled: false },
    });
    const deleted = await call("DELETE", `/v1/webhooks/${sub.id}`, { auth: t.auth });
    // Assess
    expect(sub).toMatchObject({
      id: expect.stringMatching(/^whk-[0-9a-z]{8}$/),
      url: r.url,
      events: ["connection.accepted"],
      description: "ops",
      enabled: true,
      serviceIds: null,
    });
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const bytes = Buffer.from(sub.secret.slice(6), "base64").length;
    expect(bytes).toBeGreaterThanOrEqual(24);
    expect(bytes).toBeLessThanOrEqual(64);
    expect(got.body).toMatchObject({ id: sub.id, url: r.url });
    expect(got.text).not.toContain(sub.secret.slice(6));
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([sub.id]);
    // Paged like every listing (the subscription above is deleted by now).
    const second = await subscribe(t, r.url);
    const third = await subscribe(t, r.url);
    const page1 = await call("GET", "/v1/webhooks?limit=1", { auth: t.auth });
    const page2 = await call("GET", `/v1/webhooks?limit=1&cursor=${page1.body.nextCursor}`, { auth: t.auth });
    expect([...page1.body.items, ...page2.body.items].map((s: { id: string }) => s.id)).toEqual([
      third.id,
      second.id,
    ]);
    expect(page2.body.nextCursor).toBeNull();
    expect((await call("GET", "/v1/webhooks?cursor=bad", { auth: t.auth })).body.error).toMatchObject({
      field: "cursor",
    });
    expect(listed.text).not.toContain('secret"');
    expect(patched.body).toMatchObject({ events: ["*"], enabled: false });
    expect(deleted.status).toBe(204);
    expect((await call("GET", `/v1/webhooks/${sub.id}`, { auth: t.auth })).status).toBe(404);
  });

  it("holds an account to its quota, even when creations race", async () => {
    // Prepare
    const t = await newTenant();
    const r = await receiver();
    // Act
    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        call("POST", "/v1/webhooks", { auth: t.auth, body: { url: r.url, events: ["*"] } }),
      ),
    );
    // Assess
    expect(replies.filter((x) => x.status === 201)).toHaveLength(5);
    const refused = replies.filter((x) => x.status !== 201);
    expect(refused.map((x) => [x.status, x.body.error.code])).toEqual(Array(3).fill([409, "LimitExceeded"]));
    const first = replies.find((x) => x.status === 201)?.body.id;
    await call("DELETE", `/v1/webhooks/${first}`, { auth: t.auth });
    expect(
      (await call("POST", "/v1/webhooks", { auth: t.auth, body: { url: r.url, events: ["*"] } })).status,
    ).toBe(201);
  });

  it("refuses unknown events, bad URLs and URLs with credentials, naming the field", async () => {
    const t = await newTenant();
    const bad = async (body: Record<string, unknown>) =>
      (
        await call("POST", "/v1/webhooks", {
          auth: t.auth,
          body: { url: "https://hooks.example.com/x", events: ["*"], ...body },
        })
      ).body.error;
    expect(await bad({ events: ["connection.bogus"] })).toMatchObject({
      code: "InvalidParameterValue",
      field: "events.0",
      message: expect.stringContaining("connection.accepted"),
    });
    expect(await bad({ events: ["*", "connection.accepted"] })).toMatchObject({ field: "events" });
    expect(await bad({ events: ["webhook.test"] })).toMatchObject({ field: "events.0" });
    expect(await bad({ events: [] })).toMatchObject({ field: expect.stringMatching(/^events/) });
    expect(await bad({ url: "not a url" })).toMatchObject({ code: "InvalidParameterValue", field: "url" });
    expect(await bad({ url: "https://user:pass@hooks.example.com/x" })).toMatchObject({ field: "url" });
    expect(await bad({ url: "ftp://hooks.example.com/x" })).toMatchObject({ field: "url" });
    expect(await bad({ url: "http://169.254.169.254/latest/meta-data" })).toMatchObject({ field: "url" });
    expect(await bad({ serviceIds: ["nope"] })).toMatchObject({
      field: expect.stringMatching(/^serviceIds/),
    });
    expect(await bad({ description: "a\u0000b" })).toMatchObject({ field: "description" });
    expect(await bad({ surprise: 1 })).toMatchObject({ code: "UnknownParameter" });
    setEnv({ LINKPLANE_WEBHOOK_ALLOW_HTTP: "false" });
    expect(await bad({ url: "http://hooks.example.com/x" })).toMatchObject({ field: "url" });
  });

  it("another account can neither see nor change a subscription, its messages or attempts", async () => {
    // Prepare
    const owner = await newTenant();
    const stranger = await newTenant();
    const r = await receiver();
    const sub = await subscribe(owner, r.url);
    const msgId = (await sendTest(owner, sub.id)).body.messageId;
    // Act
    const tries = [
      call("GET", `/v1/webhooks/${sub.id}`, { auth: stranger.auth }),
      call("PATCH", `/v1/webhooks/${sub.id}`, { auth: stranger.auth, body: { enabled: false } }),
      call("DELETE", `/v1/webhooks/${sub.id}`, { auth: stranger.auth }),
      call("POST", `/v1/webhooks/${sub.id}/rotate-secret`, { auth: stranger.auth }),
      call("POST", `/v1/webhooks/${sub.id}/test`, { auth: stranger.auth }),
      call("GET", `/v1/webhooks/${sub.id}/messages`, { auth: stranger.auth }),
      call("GET", `/v1/webhooks/${sub.id}/messages/${msgId}`, { auth: stranger.auth }),
      call("POST", `/v1/webhooks/${sub.id}/messages/${msgId}/retry`, { auth: stranger.auth }),
      call("POST", `/v1/webhooks/${sub.id}/recover`, {
        auth: stranger.auth,
        body: { since: "2020-01-01T00:00:00Z" },
      }),
    ];
    const replies = await Promise.all(tries);
    // Assess
    expect(replies.map((x) => x.status)).toEqual(Array(tries.length).fill(404));
    expect((await call("GET", "/v1/webhooks", { auth: stranger.auth })).body.items).toEqual([]);
    const still = await call("GET", `/v1/webhooks/${sub.id}`, { auth: owner.auth });
    expect(still.body.enabled).toBe(true);
    expect(r.deliveries).toHaveLength(1);
  });
});

describe("delivery", () => {
  it("answers a test event with the attempt, signed so the spec's package verifies it", async () => {
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    const reply = await sendTest(t, sub.id);
    expect(reply.body).toMatchObject({
      messageId: expect.stringMatching(/^msg-/),
      delivered: true,
      attempt: { statusCode: 204, error: null, trigger: "manual" },
    });
    expect(r.deliveries[0]?.id).toBe(reply.body.messageId);
    expect(r.deliveries[0]?.event.type).toBe("webhook.test");
    r.verifyAll(sub.secret);
  });

  it("a 500 then a 200: the same webhook-id twice, and nothing else", async () => {
    // Prepare: the real clock and the dispatcher's own 5-second retry.
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    let calls = 0;
    r.behave((_d, res) => answer(calls++ === 0 ? 500 : 200, "ok")(_d, res));
    // Act
    const first = await sendTest(t, sub.id);
    await until(() => r.deliveries.length === 2, 15_000, "the retry");
    await WebhookDispatch.get().idle();
    // Assess
    expect(first.body.delivered).toBe(false);
    expect(r.deliveries.map((d) => d.id)).toEqual([first.body.messageId, first.body.messageId]);
    const detail = (await messageOf(t, sub.id, first.body.messageId)).body;
    expect(detail).toMatchObject({ status: "delivered", attemptCount: 2 });
    expect(detail.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.deliveries).toHaveLength(2);
  });

  it("a retry timer that fires before the clock reaches dueAt still makes the retry", async () => {
    // Prepare: a failed first attempt due again at t0 + 5 s, and a clock stopped 20 ms short of it, as a
    // timer measured from the event loop's cached time sees it when it fires early.
    const clock = frozen();
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    let calls = 0;
    r.behave((_d, res) => answer(calls++ === 0 ? 500 : 200, "ok")(_d, res));
    const first = await sendTest(t, sub.id);
    clock.advance(5_000 - 20);
    const timed = new WebhookDispatcher();
    WebhookDispatch.use(timed);
    const message = await WebhookMessage.load(sub.id, first.body.messageId);
    // Act
    await timed.followUp({ message, attempt: {} as WebhookMessage.Attempt });
    await until(() => r.deliveries.length === 2, 5_000, "the timed retry");
    await timed.idle();
    // Assess
    expect((await messageOf(t, sub.id, first.body.messageId)).body).toMatchObject({
      status: "delivered",
      attemptCount: 2,
    });
  });

  it("a receiver down for 30 minutes gets every message once it is back, none lost", async () => {
    // Prepare
    const clock = frozen();
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    r.behave(answer(503, "down"));
    // Act
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push((await sendTest(t, sub.id)).body.messageId as string);
    const seen = [r.deliveries.length];
    const tick = async (ms: number) => {
      clock.advance(ms);
      await retryDue(clock.now());
      seen.push(r.deliveries.length);
    };
    await tick(5_000);
    await tick(5 * 60_000);
    await tick(25 * 60_000);
    r.behave(answer(200));
    await tick(5 * 60_000);
    await tick(3600_000);
    // Assess: 3 first attempts, 3 after 5 s, 3 after 5 min, none while the 30 minutes run, 3 when due.
    expect(seen).toEqual([3, 6, 9, 9, 12, 12]);
    for (const id of sent) {
      const m = (await messageOf(t, sub.id, id)).body;
      expect(m).toMatchObject({ status: "delivered", attemptCount: 4, nextAttemptAt: null });
      expect(m.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 503, 503, 200]);
      expect(m.attempts[0]).toMatchObject({
        error: expect.any(String),
        response: "down",
        latencyMs: expect.any(Number),
      });
    }
    expect(new Set(r.deliveries.map((d) => d.id))).toEqual(new Set(sent));
  });

  it("keeps to the schedule and marks a message failed after the eighth attempt", async () => {
    // Prepare
    const clock = frozen();
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    r.behave(answer(500));
    const id = (await sendTest(t, sub.id)).body.messageId;
    // Act: one tick just before each retry is due, then one at it.
    const early: number[] = [];
    const onTime: number[] = [];
    for (const delay of WebhookMessage.RETRY_DELAYS_MS) {
      clock.advance(delay - 1_000);
      await retryDue(clock.now());
      early.push(r.deliveries.length);
      clock.advance(1_000);
      await retryDue(clock.now());
      onTime.push(r.deliveries.length);
    }
    clock.advance(24 * 3600_000);
    await retryDue(clock.now());
    // Assess
    expect(early).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(onTime).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const m = (await messageOf(t, sub.id, id)).body;
    expect(m).toMatchObject({ status: "failed", attemptCount: 8, nextAttemptAt: null });
    expect(r.deliveries).toHaveLength(8);
    const failed = await call("GET", `/v1/webhooks/${sub.id}/messages?status=failed`, { auth: t.auth });
    expect(failed.body.items.map((x: { id: string }) => x.id)).toEqual([id]);
  });

  it("lists by status and type, retries one message, and recovers every failed one since a time", async () => {
    // Prepare: two failed messages (a deleted receiver URL), one delivered.
    const clock = frozen();
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    const delivered = (await sendTest(t, sub.id)).body.messageId;
    r.behave(answer(500));
    clock.advance(1);
    const a = (await sendTest(t, sub.id)).body.messageId;
    clock.advance(1);
    const b = (await sendTest(t, sub.id)).body.messageId;
    for (const delay of WebhookMessage.RETRY_DELAYS_MS) {
      clock.advance(delay);
      await retryDue(clock.now());
    }
    r.behave(answer(200));
    // Act
    const byStatus = await call("GET", `/v1/webhooks/${sub.id}/messages?status=failed`, { auth: t.auth });
    const byType = await call("GET", `/v1/webhooks/${sub.id}/messages?eventType=connection.accepted`, {
      auth: t.auth,
    });
    const all = await call("GET", `/v1/webhooks/${sub.id}/messages`, { auth: t.auth });
    const retried = await call("POST", `/v1/webhooks/${sub.id}/messages/${a}/retry`, { auth: t.auth });
    const recovered = await call("POST", `/v1/webhooks/${sub.id}/recover`, {
      auth: t.auth,
      body: { since: new Date(Date.now() - 3600_000).toISOString() },
    });
    await WebhookDispatch.get().idle();
    const badStatus = await call("GET", `/v1/webhooks/${sub.id}/messages?status=lost`, { auth: t.auth });
    // Assess
    expect(byStatus.body.items.map((m: { id: string }) => m.id)).toEqual([b, a]);
    expect(byType.body.items).toEqual([]);
    expect(all.body.items.map((m: { id: string }) => m.id)).toEqual([b, a, delivered]);
    expect(retried.body).toMatchObject({ id: a, status: "delivered", attemptCount: 9 });
    expect(retried.body.attempts.at(-1)).toMatchObject({ statusCode: 200, trigger: "manual" });
    expect(recovered.status).toBe(202);
    expect(recovered.body).toEqual({ scheduled: 1 });
    expect((await messageOf(t, sub.id, b)).body).toMatchObject({ status: "delivered", attemptCount: 9 });
    expect(badStatus.body.error).toMatchObject({ field: "status" });
    expect((await messageOf(t, sub.id, "msg-nope")).status).toBe(404);
  });

  it("disables a subscription whose every attempt failed for 5 days, and tells the account's others", async () => {
    // Prepare
    const clock = frozen();
    const t = await newTenant();
    const dead = await receiver();
    const alive = await receiver();
    dead.behave(answer(500));
    const failing = await subscribe(t, dead.url);
    await subscribe(t, alive.url, { events: ["webhook.disabled"] });
    // Act
    await sendTest(t, failing.id);
    clock.advance(4 * 86_400_000);
    await sendTest(t, failing.id);
    const stillOn = (await call("GET", `/v1/webhooks/${failing.id}`, { auth: t.auth })).body;
    clock.advance(86_400_000 + 1_000);
    await sendTest(t, failing.id);
    await until(() => alive.deliveries.length === 1, 10_000, "webhook.disabled");
    // Assess
    expect(stillOn.enabled).toBe(true);
    const off = (await call("GET", `/v1/webhooks/${failing.id}`, { auth: t.auth })).body;
    expect(off).toMatchObject({ enabled: false, disabledReason: expect.stringContaining("failed") });
    expect(alive.deliveries[0]?.event).toMatchObject({
      type: "webhook.disabled",
      data: { id: failing.id, enabled: false },
    });
    expect(dead.of("webhook.disabled")).toHaveLength(0);
  });

  it("a success within the 5 days starts the failure clock again", async () => {
    const clock = frozen();
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    r.behave(answer(500));
    await sendTest(t, sub.id);
    clock.advance(3 * 86_400_000);
    r.behave(answer(200));
    await sendTest(t, sub.id);
    r.behave(answer(500));
    clock.advance(3 * 86_400_000);
    await sendTest(t, sub.id);
    expect((await call("GET", `/v1/webhooks/${sub.id}`, { auth: t.auth })).body.enabled).toBe(true);
  });

  it("rotation: both secrets sign for 24 hours, then only the new one", async () => {
    // Prepare
    const clock = frozen();
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    // Act
    const rotated = await call("POST", `/v1/webhooks/${sub.id}/rotate-secret`, { auth: t.auth });
    await sendTest(t, sub.id);
    clock.advance(24 * 3600_000 + 1_000);
    await sendTest(t, sub.id);
    // Assess
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(sub.secret);
    const [during, after] = r.deliveries;
    expect(during?.signature.split(" ")).toHaveLength(2);
    for (const secret of [sub.secret, rotated.body.secret]) {
      new Webhook(secret).verify(during?.body ?? "", {
        "webhook-id": during?.id ?? "",
        "webhook-timestamp": during?.timestamp ?? "",
        "webhook-signature": during?.signature ?? "",
      });
    }
    const signedBy = (secret: string) =>
      new Webhook(secret).sign(after?.id ?? "", new Date(Number(after?.timestamp) * 1000), after?.body ?? "");
    expect(after?.signature).toBe(signedBy(rotated.body.secret));
    expect(after?.signature).not.toContain(signedBy(sub.secret).slice(3));
  });

  it("a deleted subscription's pending message is never attempted again", async () => {
    const clock = frozen();
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    r.behave(answer(500));
    const id = (await sendTest(t, sub.id)).body.messageId;
    await call("DELETE", `/v1/webhooks/${sub.id}`, { auth: t.auth });
    clock.advance(5_000);
    await retryDue(clock.now());
    expect(r.deliveries).toHaveLength(1);
    expect(await WebhookMessage.find(sub.id, id)).toMatchObject({ status: "failed" });
  });
});

describe("SSRF guard", () => {
  it("refuses a hostname that resolves to loopback at send time, when private receivers are off", async () => {
    // Prepare
    const t = await newTenant();
    const r = await receiver();
    const port = new URL(r.url).port;
    setEnv({ LINKPLANE_WEBHOOK_ALLOW_PRIVATE: "false" });
    // Act
    const literal = await call("POST", "/v1/webhooks", {
      auth: t.auth,
      body: { url: `http://127.0.0.1:${port}/hooks`, events: ["*"] },
    });
    const mapped = await call("POST", "/v1/webhooks", {
      auth: t.auth,
      body: { url: `http://[::ffff:127.0.0.1]:${port}/hooks`, events: ["*"] },
    });
    const byName = await subscribe(t, `http://localhost:${port}/hooks`);
    const attempt = await sendTest(t, byName.id);
    // Assess
    expect(literal.body.error).toMatchObject({ field: "url" });
    expect(mapped.body.error).toMatchObject({ field: "url" });
    expect(attempt.body).toMatchObject({
      delivered: false,
      attempt: { statusCode: null, error: expect.any(String) },
    });
    expect(r.deliveries).toHaveLength(0);
  });

  it("does not follow a redirect, even one to a metadata address", async () => {
    const t = await newTenant();
    const r = await receiver();
    r.behave((_d, res) => {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" });
      res.end();
    });
    const sub = await subscribe(t, r.url);
    const attempt = await sendTest(t, sub.id);
    expect(attempt.body).toMatchObject({
      delivered: false,
      attempt: { statusCode: 302, error: expect.stringMatching(/redirect/) },
    });
    expect(r.deliveries).toHaveLength(1);
  });
});

describe("isolation", () => {
  it("a receiver that hangs holds neither the stream, nor auto-accept, nor another subscription", async () => {
    // Prepare
    const p = await provider();
    const c = await consumer();
    const hanging = await receiver();
    const fast = await receiver();
    const held: Array<() => void> = [];
    hanging.behave((_d, res) => {
      held.push(() => answer(200)(_d, res));
    });
    await subscribe(p, hanging.url);
    await subscribe(p, fast.url);
    const s = await service(p, { autoAccept: true });
    await allow(p, s.id, c.uin);
    // Act
    const ep = await created(endpoint(c, s.id));
    await until(() => fast.of("connection.accepted").length === 1, 10_000, "the fast receiver's events");
    const state = (await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body.state;
    // Assess: all of that happened while the hanging receiver still held its requests.
    expect(state).toBe("available");
    expect(hanging.deliveries.length).toBeGreaterThan(0);
    expect(held.length).toBe(hanging.deliveries.length);
    for (const release of held) release();
    await WebhookDispatch.get().idle();
  });
});

describe("leases", () => {
  it("an attempt recorded after its lease ran out does not overwrite the newer lease's message", async () => {
    // Prepare: a message leased at t0, its lease run out, and claimed again by another worker.
    const clock = frozen();
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    const stale = WebhookMessage.build({
      subscriptionId: sub.id,
      ownerUin: t.uin,
      eventId: WebhookModel.eventId(clock.now(), "webhook.test", sub.id, "lease"),
      event: { type: "webhook.test", timestamp: clock.now().toISOString(), data: {} },
      now: clock.now(),
    });
    await WebhookMessage.putNew([stale]);
    clock.advance(WebhookMessage.LEASE_MS + 1_000);
    const fresh = await WebhookLease.claim(sub.id, stale.id, clock.now());
    const attempt = {
      at: clock.now().toISOString(),
      statusCode: 204,
      latencyMs: 3,
      error: null,
      response: "",
      trigger: "initial" as const,
    };
    // Act
    const [late] = await WebhookLease.recordMany([{ message: stale, attempt }], clock.now());
    const [current] = await WebhookLease.recordMany(
      [{ message: fresh as WebhookMessage.Stored, attempt }],
      clock.now(),
    );
    // Assess
    expect(fresh?.lease).not.toBe(stale.lease);
    expect(late).toBeUndefined();
    expect(current).toMatchObject({ status: "delivered", attemptCount: 1 });
    expect(await WebhookMessage.find(sub.id, stale.id)).toMatchObject({
      status: "delivered",
      attemptCount: 1,
    });
  });

  it("the retry job does not take a message whose first attempt still holds its lease", async () => {
    const clock = frozen();
    const t = await newTenant();
    const r = await receiver();
    const sub = await subscribe(t, r.url);
    const leased = WebhookMessage.build({
      subscriptionId: sub.id,
      ownerUin: t.uin,
      eventId: WebhookModel.eventId(clock.now(), "webhook.test", sub.id, "held"),
      event: { type: "webhook.test", timestamp: clock.now().toISOString(), data: {} },
      now: clock.now(),
    });
    await WebhookMessage.putNew([leased]);
    clock.advance(WebhookMessage.LEASE_MS - 1_000);
    await retryDue(clock.now());
    const whileHeld = r.deliveries.length;
    clock.advance(2_000);
    await retryDue(clock.now());
    expect(whileHeld).toBe(0);
    expect(r.deliveries.map((d) => d.id)).toEqual([leased.id]);
  });
});

describe("operator", () => {
  it("lists the retry job, which runs on demand", async () => {
    const jobs = await call("GET", "/v1/operator/jobs", { auth: operatorAuth() });
    expect(jobs.body.items.map((j: { name: string }) => j.name)).toContain("webhook-retry");
    const run = await call("POST", "/v1/operator/jobs/webhook-retry/run", { auth: operatorAuth() });
    expect(run.body.outcome).toMatchObject({
      status: "succeeded",
      summary: { attempted: expect.any(Number) },
    });
  });
});

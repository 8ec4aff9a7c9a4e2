import { describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { call } from "../support/api.ts";
import { withEnv } from "../support/env.ts";
import { allow, type Consumer, consumer, endpoint, provider, service } from "../support/privatelink.ts";

describe("default quotas", () => {
  it("lets exactly 50 of 60 concurrent creations into one VPC succeed", async () => {
    // Prepare
    expect(Config.get().quotas.endpointsPerVpc).toBe(50);
    const p = await provider();
    const c = await consumer("ap-guangzhou", "10.1.8.0/24");
    const s = await service(p);
    await allow(p, s.id, c.uin);
    // Act
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => endpoint(c, s.id, { name: `q-${i}` })),
    );
    // Assess
    expect(replies.filter((r) => r.status === 201)).toHaveLength(50);
    const refused = replies.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(10);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("LimitExceeded");
    }
    // A deletion makes room for one more.
    const one = replies.find((r) => r.status === 201)?.body;
    await call("DELETE", `/v1/endpoints/${one.id}`, { auth: c.auth });
    expect((await endpoint(c, s.id)).status).toBe(201);
    expect((await endpoint(c, s.id)).body.error.code).toBe("LimitExceeded");
    // The refused creations left no address behind: 253 usable, 50 held.
    const subnet = await call("GET", `/v1/subnets/${c.subnetId}`, { auth: c.auth });
    expect(subnet.body.availableIpCount).toBe(253 - 50);
  });
});

describe("endpoints per service quota", () => {
  const QUOTA = 4;
  withEnv({ LINKPLANE_QUOTA_ENDPOINTS_PER_SERVICE: String(QUOTA) });

  it("lets exactly the per-service quota of endpoints, from any VPC, connect to one service", async () => {
    // Prepare: two consumers, so no VPC reaches its own quota.
    const p = await provider();
    const s = await service(p);
    const consumers = [await consumer(), await consumer()];
    for (const c of consumers) await allow(p, s.id, c.uin);
    // Act
    const replies = await Promise.all(
      Array.from({ length: QUOTA + 2 }, (_, i) => endpoint(consumers[i % 2] as Consumer, s.id)),
    );
    // Assess
    const ok = replies.filter((r) => r.status === 201);
    expect(ok).toHaveLength(QUOTA);
    for (const r of replies.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({
        code: "LimitExceeded",
        message: `endpoint service ${s.id} holds at most ${QUOTA} endpoints`,
      });
    }
    // A deletion makes room for exactly one more.
    const first = ok[0]?.body;
    const owner = consumers.find((c) => c.vpcId === first.vpcId) as Consumer;
    expect((await call("DELETE", `/v1/endpoints/${first.id}`, { auth: owner.auth })).status).toBe(204);
    expect((await endpoint(owner, s.id)).status).toBe(201);
    expect((await endpoint(owner, s.id)).body.error.code).toBe("LimitExceeded");
  });
});

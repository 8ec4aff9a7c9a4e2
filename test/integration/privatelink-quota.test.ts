import { describe, expect, it } from "vitest";
import { Config } from "../../core/config.ts";
import { call, created } from "../support/api.ts";
import { allow, consumer, endpoint, provider, service } from "../support/privatelink.ts";

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
    expect(
      (
        await created(
          call("GET", `/v1/vpcs/${c.vpcId}`, { auth: c.auth }).then((r) => ({ ...r, status: 201 })),
        )
      ).id,
    ).toBe(c.vpcId);
  });
});

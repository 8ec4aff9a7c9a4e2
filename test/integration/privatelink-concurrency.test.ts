import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { call, created } from "../support/api.ts";
import { allow, consumer, decide, endpoint, provider, service, startStream } from "../support/privatelink.ts";

// Quotas raised so the subnet is the only limit (the quota file tests the defaults).
process.env.LINKPLANE_QUOTA_ENDPOINTS_PER_VPC = "1000";
process.env.LINKPLANE_QUOTA_ENDPOINTS_PER_SERVICE = "1000";
process.env.LINKPLANE_QUOTA_SERVICES_PER_ACCOUNT = "3";
Config.reset();

let stream: ReturnType<typeof startStream>;
beforeAll(() => {
  stream = startStream();
});
afterAll(() => stream.poller.stop());

describe("concurrency", () => {
  it("hands out the 253 usable addresses of a /24 exactly once to 300 concurrent creations", {
    timeout: 180_000,
  }, async () => {
    // Prepare
    const p = await provider();
    const c = await consumer("ap-guangzhou", "10.1.7.0/24");
    const s = await service(p);
    await allow(p, s.id, c.uin);
    // Act
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) => endpoint(c, s.id, { name: `ep-${i}` })),
    );
    // Assess
    const ok = replies.filter((r) => r.status === 201);
    const full = replies.filter((r) => r.status !== 201);
    expect(replies.filter((r) => r.status >= 500)).toEqual([]);
    expect(ok).toHaveLength(253);
    expect(full).toHaveLength(47);
    for (const r of full) expect(r.body.error.code).toBe("ResourceInsufficient.Subnet");
    const ips = ok.map((r) => r.body.ip as string);
    expect(new Set(ips).size).toBe(253);
    const hosts = ips.map((ip) => Number(ip.split(".")[3])).sort((a, b) => a - b);
    expect(hosts[0]).toBe(2);
    expect(hosts.at(-1)).toBe(254);
    const counted = await call("GET", `/v1/endpoint-services/${s.id}`, { auth: p.auth });
    expect(counted.body.endpointCount).toBe(253);
  });

  it("keeps one connection consistent under 50 concurrent accepts and rejects, with a history that matches", async () => {
    // Prepare
    const p = await provider();
    const c = await consumer();
    const s = await service(p);
    await allow(p, s.id, c.uin);
    const ep = await created(endpoint(c, s.id));
    // Act
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => decide(p, s.id, i % 2 === 0 ? "accept" : "reject", [ep.id])),
    );
    // Assess
    expect(replies.every((r) => r.status === 200 && r.body.results[0].ok)).toBe(true);
    const final = (await call("GET", `/v1/endpoints/${ep.id}`, { auth: c.auth })).body.state;
    const history = (await call("GET", `/v1/endpoints/${ep.id}/history`, { auth: c.auth })).body
      .items as Array<{
      sequence: number;
      from: string | null;
      to: string;
    }>;
    expect(history[0]).toMatchObject({ sequence: 1, from: null, to: "pending" });
    for (let i = 1; i < history.length; i++) {
      expect(history[i]?.sequence).toBe(i + 1);
      expect(history[i]?.from).toBe(history[i - 1]?.to);
      expect(history[i]?.to).not.toBe(history[i]?.from);
    }
    expect(history.at(-1)?.to).toBe(final);
    // Each request that changed something left exactly one entry; no-ops left none.
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history.length).toBeLessThanOrEqual(51);
    // The service's live count agrees with the final state.
    const del = await call("DELETE", `/v1/endpoint-services/${s.id}`, { auth: p.auth });
    expect(del.status).toBe(final === "available" ? 409 : 204);
  });

  it("lets at most the quota of services be created at once", async () => {
    const p = await provider();
    const replies = await Promise.all(
      Array.from({ length: 6 }, () =>
        service(p).then(
          () => 201,
          (e: Error) => e.message,
        ),
      ),
    );
    expect(replies.filter((r) => r === 201)).toHaveLength(3);
    expect(replies.filter((r) => r !== 201).every((m) => String(m).includes("LimitExceeded"))).toBe(true);
  });
});

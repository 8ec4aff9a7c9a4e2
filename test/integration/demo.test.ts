import { describe, expect, it } from "vitest";
import { demoSample, startDemo } from "../../infra/local/demo.ts";
import { call } from "../support/api.ts";

describe("demo data", () => {
  it("makes a provider and a consumer whose views show the last hours", { timeout: 120_000 }, async () => {
    // Act
    const demo = await startDemo(undefined);
    await demo.backfill;
    demo.stop();
    // Assess: the provider sees its services, connections and a day of metrics.
    const p = `Bearer ${demo.state.provider.secretId}:${demo.state.provider.secretKey}`;
    const c = `Bearer ${demo.state.consumer.secretId}:${demo.state.consumer.secretKey}`;
    expect(
      (await call("GET", "/v1/endpoint-services?region=ap-guangzhou", { auth: p })).body.items,
    ).toHaveLength(3);
    const pending = await call(
      "GET",
      `/v1/endpoint-services/${demo.state.services[2]}/connections?state=pending`,
      { auth: p },
    );
    expect(pending.body.items).toHaveLength(1);
    const day = await call(
      "GET",
      `/v1/endpoint-services/${demo.state.services[0]}/metrics?period=24h&metrics=BandwidthIn,PacketsDropped&stat=max`,
      { auth: p },
    );
    const values = day.body.series[0].points.map((pt: { value: number | null }) => pt.value);
    expect(values.filter((v: number | null) => v !== null).length).toBeGreaterThanOrEqual(23);
    expect(Math.max(...values.filter((v: number | null): v is number => v !== null))).toBeGreaterThan(
      Math.min(...values.filter((v: number | null): v is number => v !== null)),
    );
    const realtime = await call(
      "GET",
      `/v1/endpoints/${demo.state.endpoints[0]}/metrics?metrics=NewConnections`,
      { auth: c },
    );
    expect(
      realtime.body.series[0].points.filter((pt: { value: number | null }) => pt.value !== null).length,
    ).toBeGreaterThanOrEqual(55);
  });

  it("has a dropped-packet spike once an hour and the same values for the same minute", () => {
    const minutes = Array.from({ length: 60 }, (_, i) => 1_764_374_400 + i * 60);
    const drops = minutes.map(
      (m) =>
        demoSample("vpce-demo0001", m).metrics.PacketsDropped /
        demoSample("vpce-demo0001", m).metrics.PacketsIn,
    );
    expect(drops.filter((d) => d > 0.05)).toHaveLength(1);
    expect(demoSample("vpce-demo0001", minutes[5] as number)).toEqual(
      demoSample("vpce-demo0001", minutes[5] as number),
    );
  });
});

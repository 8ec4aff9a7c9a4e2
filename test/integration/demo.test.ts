import { afterAll, describe, expect, it } from "vitest";
import { Rollup } from "../../core/metrics/rollup.ts";
import { demoSample, startDemo } from "../../infra/local/demo.ts";
import { call, operatorAuth } from "../support/api.ts";
import { halfPastHour, installSuiteClock, startClock } from "../support/clock.ts";
import { metricStream } from "../support/privatelink.ts";

// The backfill and the rollups depend on where in its hour "now" falls: start at half past an hour.
startClock(halfPastHour());
afterAll(installSuiteClock);

const values = (series: { points: Array<{ value: number | null }> }) => series.points.map((pt) => pt.value);

describe("demo data", () => {
  it("has complete views once it says it is ready, even after a rollup moved the watermark", {
    timeout: 120_000,
  }, async () => {
    // Prepare: as after the walkthrough, an operator has run the hourly rollup over an empty table, so
    // the watermark says the last 24 hours are rolled up while no bucket exists.
    const before = await call("POST", "/v1/operator/jobs/rollup-hourly/run", { auth: operatorAuth() });
    expect(before.body.outcome.status).toBe("succeeded");
    expect(await Rollup.watermark("hourly")).toBeDefined();
    // Act
    // Three hours, not 24: the same code path, an eighth of the writes (the suite runs on busy machines).
    const demo = await startDemo(undefined, { hours: 3 });
    const load = await demo.backfill;
    demo.stop();
    // As the runtime does before it says the demo is ready: the services' minutes come from the stream.
    await metricStream().drain();
    // Assess: the provider sees its services, connections and a day of metrics.
    const p = `Bearer ${demo.state.provider.secretId}:${demo.state.provider.secretKey}`;
    const c = `Bearer ${demo.state.consumer.secretId}:${demo.state.consumer.secretKey}`;
    expect(load.samples).toBe(demo.state.endpoints.length * (3 * 60 + 31));
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
    // The 24-hour view: the three loaded hours and this one have data, every one of them (the
    // watermark said they were rolled up before any bucket existed), and nothing before them.
    const hourly = values(day.body.series[0]);
    expect(hourly).toHaveLength(24);
    expect(hourly.slice(0, 20)).toEqual(Array(20).fill(null));
    expect(hourly.slice(20).filter((v) => v === null)).toEqual([]);
    const numbers = hourly.slice(20) as number[];
    expect(Math.max(...numbers)).toBeGreaterThan(Math.min(...numbers));
    // The endpoint's own series is complete over the same hours.
    const endpointDay = await call(
      "GET",
      `/v1/endpoints/${demo.state.endpoints[0]}/metrics?period=24h&metrics=NewConnections&stat=sum`,
      { auth: c },
    );
    const endpointHours = values(endpointDay.body.series[0]);
    expect(endpointHours.slice(20).filter((v) => v === null)).toEqual([]);
    const realtime = await call(
      "GET",
      `/v1/endpoints/${demo.state.endpoints[0]}/metrics?metrics=NewConnections`,
      { auth: c },
    );
    expect(values(realtime.body.series[0]).filter((v) => v !== null).length).toBeGreaterThanOrEqual(30);
    // The demo's own rollups are on the operator's job list.
    const jobs = await call("GET", "/v1/operator/jobs", { auth: operatorAuth() });
    for (const name of ["rollup-hourly", "rollup-daily"]) {
      const job = jobs.body.items.find((j: { name: string }) => j.name === name);
      expect(job.lastRun).toMatchObject({ status: "succeeded", trigger: "demo" });
    }
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

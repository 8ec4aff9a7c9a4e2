import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { MetricIngest } from "../../core/metrics/ingest.ts";
import { MetricLoad } from "../../core/metrics/load.ts";
import { Rollup } from "../../core/metrics/rollup.ts";
import { halfPastHour, installSuiteClock, nowSeconds, startClock } from "../support/clock.ts";
import { metricStream, serviceWithEndpoints } from "../support/privatelink.ts";

startClock(halfPastHour());
afterAll(installSuiteClock);
const HOUR = 3600;
const thisMinute = nowSeconds() - (nowSeconds() % 60);

let serviceId: string;
let connected: string;
let pending: string;
/** Service minutes come from the stream, after ingest and load alike. */
const stream = metricStream();

beforeAll(async () => {
  const world = await serviceWithEndpoints(1, 1);
  serviceId = world.serviceId;
  [connected] = world.accepted as [string];
  [pending] = world.pending as [string];
});

async function item(key: { pk: string; sk: string }) {
  const out = await Db.client().send(
    new GetCommand({ TableName: Db.table(), Key: key, ConsistentRead: true }),
  );
  const { expiresAt: _, ...rest } = out.Item ?? {};
  return rest;
}

const samples = (t: number): MetricLoad.Sample[] => [
  { resourceId: connected, timestamp: t, metrics: { BytesIn: 100, PacketsIn: 10, ActiveConnections: 4 } },
  { resourceId: pending, timestamp: t, metrics: { BytesIn: 50, ActiveConnections: 0 } },
];

describe("metric load", () => {
  it("writes the very endpoint minutes ingest writes, and the stream makes the same service minutes", async () => {
    // Prepare: the same two samples, one minute through ingest, another through the load.
    const viaIngest = thisMinute - 300;
    const viaLoad = thisMinute - 360;
    await MetricIngest.ingest({ samples: samples(viaIngest) });
    // Act
    const { commands } = await Db.recordCommands(() => MetricLoad.load(samples(viaLoad)));
    await stream.drain();
    // Assess: the same attributes (keys, times and the stream's applied sequence numbers aside), the
    // load's written with BatchWriteItem only.
    const same = async (id: string) => {
      const a = await item(Keys.metricMinute(id, viaIngest));
      const b = await item(Keys.metricMinute(id, viaLoad));
      const strip = ({ pk: _p, sk: _s, gsi3sk: _g, t: _t, ...rest }: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith("seq_")));
      expect(strip(b)).toEqual(strip(a));
      expect(b.t).toBe(viaLoad);
    };
    await same(connected);
    await same(pending);
    await same(serviceId);
    expect(await item(Keys.metricMinute(serviceId, viaLoad))).toMatchObject({
      m_BytesIn: 150,
      n_BytesIn: 2,
      m_ConnectedEndpoints: 1,
    });
    expect(commands.filter((c) => c === "PutItem" || c === "UpdateItem")).toEqual([]);
    expect(commands.filter((c) => c === "BatchWriteItem")).toHaveLength(1);
  });

  it("writes the same items when loaded twice, and marks hours a rollup has read as late", async () => {
    // Prepare: an hour already rolled up (the watermark is past it), then loaded twice.
    const hour = thisMinute - (thisMinute % HOUR) - 2 * HOUR;
    await Rollup.run("hourly");
    expect(await Rollup.watermark("hourly")).toBeGreaterThanOrEqual(hour);
    await MetricLoad.load(samples(hour + 60));
    await stream.drain();
    const first = await item(Keys.metricMinute(serviceId, hour + 60));
    expect(first).toMatchObject({ m_BytesIn: 150, n_BytesIn: 2, m_ConnectedEndpoints: 1 });
    // Act
    const result = await MetricLoad.load(samples(hour + 60));
    await stream.drain();
    // Assess
    expect(await item(Keys.metricMinute(serviceId, hour + 60))).toEqual(first);
    expect(result.late).toEqual([hour]);
    const rolled = await Rollup.run("hourly");
    expect(rolled.periods).toContain(hour);
  });

  it("refuses samples for what is not an endpoint, writing nothing", async () => {
    const t = thisMinute - 420;
    await expect(
      MetricLoad.load([
        ...samples(t),
        { resourceId: "vpce-00000000", timestamp: t, metrics: { BytesIn: 1 } },
      ]),
    ).rejects.toThrow(/vpce-00000000/);
    expect(await item(Keys.metricMinute(connected, t))).toEqual({});
  });
});

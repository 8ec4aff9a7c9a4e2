import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { type Aggregate, bucketValues, fold } from "../../core/metrics/model.ts";
import { Rollup } from "../../core/metrics/rollup.ts";
import { call, created, newTenant, operatorAuth } from "../support/api.ts";
import { atInstant, halfPastHour, installSuiteClock, nowSeconds, startClock } from "../support/clock.ts";
import {
  allow,
  type Consumer,
  consumer,
  decide,
  endpoint,
  metricStream,
  type Provider,
  provider,
  service,
} from "../support/privatelink.ts";

const HOUR = 3600;
// Rollups and ingest's checks depend on where in its hour "now" falls: the file's clock starts at half
// past an hour, so no assertion below depends on the minute the suite happens to run at.
startClock(halfPastHour());
afterAll(installSuiteClock);
const now = nowSeconds();
const thisMinute = now - (now % 60);
const thisHour = now - (now % HOUR);

let p: Provider;
let c: Consumer;
let serviceId: string;
let ep1: string;
let ep2: string;
/** Service minutes come from the stream: tests that read them drain it first. */
const stream = metricStream();

beforeAll(async () => {
  p = await provider();
  c = await consumer();
  const s = await service(p);
  serviceId = s.id;
  await allow(p, s.id, c.uin);
  ep1 = (await created(endpoint(c, s.id))).id;
  ep2 = (await created(endpoint(c, s.id))).id;
  await decide(p, s.id, "accept", [ep1, ep2]);
});

function ingest(samples: unknown[], auth = operatorAuth()) {
  return call("POST", "/v1/metrics/samples", { auth, body: { samples } });
}

async function item(key: { pk: string; sk: string }) {
  return (await Db.client().send(new GetCommand({ TableName: Db.table(), Key: key, ConsistentRead: true })))
    .Item;
}

describe("ingest", () => {
  it("stores good samples and lists the bad ones with reasons", async () => {
    const t = thisMinute - 120;
    const reply = await ingest([
      { resourceId: ep1, timestamp: t, metrics: { BytesIn: 1000, ActiveConnections: 3 } },
      { resourceId: "vpce-00000000", timestamp: t, metrics: { BytesIn: 1 } },
      { resourceId: ep1, timestamp: t + 1, metrics: { BytesIn: 1 } },
      { resourceId: ep1, timestamp: thisMinute + 600, metrics: { BytesIn: 1 } },
      { resourceId: ep1, timestamp: thisMinute - 8 * 86_400, metrics: { BytesIn: 1 } },
      { resourceId: ep1, timestamp: t, metrics: { BytesIn: -1 } },
      { resourceId: ep1, timestamp: t, metrics: { Colour: 1 } },
      { resourceId: ep1, timestamp: t, metrics: {} },
      { resourceId: ep2, timestamp: new Date(t * 1000).toISOString(), metrics: { BytesIn: 500 } },
    ]);
    expect(reply.status).toBe(200);
    // The data plane's operators read it in a shell: the answer ends its line.
    expect(reply.text.endsWith("}\n")).toBe(true);
    expect(reply.body.accepted).toBe(2);
    expect(reply.body.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason])).toEqual([
      [1, "unknown resource"],
      [2, "timestamp must be aligned to a minute"],
      [3, "timestamp is more than 5 minutes in the future"],
      [4, "timestamp is older than the raw retention (7 days)"],
      [5, expect.stringContaining("metrics.BytesIn")],
      [6, expect.stringContaining("Colour")],
      [7, expect.stringContaining("at least one metric")],
    ]);
    const stored = await item(Keys.metricMinute(ep1, t));
    expect(stored).toMatchObject({
      m_BytesIn: 1000,
      m_ActiveConnections: 3,
      expiresAt: t - (t % 3600) + 3600 + 7 * 86_400,
    });
    expect(stored?.m_BytesOut).toBeUndefined();
  });

  it("checks retention per hour, so an hour is never re-rolled from what is left of it", async () => {
    // Prepare: the clock at twenty past an hour, so the oldest kept minute lies inside an hour.
    const at = thisHour + 1200;
    const oldest = at - 7 * 86_400;
    const firstWholeHour = oldest - (oldest % HOUR) + HOUR;
    // Act: a minute inside retention whose hour began before it, and the first minute of the next hour.
    const reply = await atInstant(at * 1000, () =>
      ingest([
        { resourceId: ep1, timestamp: oldest + 60, metrics: { BytesIn: 1 } },
        { resourceId: ep1, timestamp: firstWholeHour, metrics: { BytesIn: 1 } },
      ]),
    );
    // Assess
    expect(reply.body.rejected).toEqual([
      { index: 0, resourceId: ep1, reason: "timestamp is older than the raw retention (7 days)" },
    ]);
    expect(reply.body.accepted).toBe(1);
  });

  it("keeps the service's minute the sum of its endpoints, also when a minute is sent again", async () => {
    const t = thisMinute - 180;
    await ingest([
      { resourceId: ep1, timestamp: t, metrics: { BytesIn: 100, PacketsIn: 10 } },
      { resourceId: ep2, timestamp: t, metrics: { BytesIn: 50 } },
    ]);
    // A retry of the same request, then a correction of one endpoint's minute.
    await ingest([
      { resourceId: ep1, timestamp: t, metrics: { BytesIn: 100, PacketsIn: 10 } },
      { resourceId: ep2, timestamp: t, metrics: { BytesIn: 50 } },
    ]);
    await ingest([{ resourceId: ep2, timestamp: t, metrics: { BytesIn: 70, PacketsIn: 1 } }]);
    await stream.drain();
    const svc = await item(Keys.metricMinute(serviceId, t));
    expect(svc).toMatchObject({
      m_BytesIn: 170,
      n_BytesIn: 2,
      m_PacketsIn: 11,
      n_PacketsIn: 2,
      m_ConnectedEndpoints: 2,
    });
  });

  it("writes endpoint minutes in batches, and the stream one UpdateItem per service-minute", async () => {
    const t = thisMinute - 240;
    const samples = [
      { resourceId: ep1, timestamp: t, metrics: { BytesIn: 1 } },
      { resourceId: ep2, timestamp: t, metrics: { BytesIn: 1 } },
      { resourceId: ep1, timestamp: t - 60, metrics: { BytesIn: 1 } },
    ];
    await stream.drain();
    const ingested = await Db.recordCommands(() => ingest(samples));
    const streamed = await Db.recordCommands(() => stream.drain());
    expect(ingested.commands.filter((x) => x === "BatchWriteItem")).toHaveLength(1);
    expect(ingested.commands).not.toContain("PutItem");
    expect(ingested.commands).not.toContain("UpdateItem");
    expect(ingested.commands).not.toContain("Scan");
    expect(streamed.commands.filter((x) => x === "UpdateItem")).toHaveLength(2);
  });

  it("takes the ingest token or the operator token, never an account credential", async () => {
    const sample = [{ resourceId: ep1, timestamp: thisMinute - 300, metrics: { BytesIn: 1 } }];
    expect((await ingest(sample, `Bearer ${c.secretId}:${c.secretKey}`)).status).toBe(401);
    expect((await ingest(sample, "Bearer nope-nope-nope-nope")).status).toBe(401);
    expect((await ingest(sample)).status).toBe(200);
    const tooMany = await ingest(Array.from({ length: 1001 }, () => sample[0]));
    expect(tooMany.body.error).toMatchObject({ code: "InvalidParameterValue.TooLong", field: "samples" });
  });
});

describe("views", () => {
  it("answers the realtime view at 1 minute with nulls for gaps and derived rates", async () => {
    const t = thisMinute - 600;
    await ingest([{ resourceId: ep1, timestamp: t, metrics: { BytesIn: 6000, PacketsIn: 120 } }]);
    const reply = await call(
      "GET",
      `/v1/endpoints/${ep1}/metrics?metrics=BytesIn,BandwidthIn,PacketRateIn&stat=avg`,
      { auth: c.auth },
    );
    expect(reply.status).toBe(200);
    expect(reply.body.granularity).toBe("1m");
    const [bytes, bandwidth, rate] = reply.body.series;
    expect(bytes.points).toHaveLength(60);
    expect(bytes.points.every((pt: { t: number }) => pt.t % 60 === 0)).toBe(true);
    expect(bytes.points.find((pt: { t: number }) => pt.t === t).value).toBe(6000);
    expect(bytes.points.find((pt: { t: number }) => pt.t === t - 60).value).toBeNull();
    expect(bandwidth).toMatchObject({ unit: "bit/s" });
    expect(bandwidth.points.find((pt: { t: number }) => pt.t === t).value).toBe(800);
    expect(rate.points.find((pt: { t: number }) => pt.t === t).value).toBe(2);
  });

  it("shows a service's series as the sum of its endpoints, and one endpoint's on request", async () => {
    const t = thisMinute - 660;
    await ingest([
      { resourceId: ep1, timestamp: t, metrics: { NewConnections: 4 } },
      { resourceId: ep2, timestamp: t, metrics: { NewConnections: 6 } },
    ]);
    await stream.drain();
    const all = await call(
      "GET",
      `/v1/endpoint-services/${serviceId}/metrics?metrics=NewConnections,ConnectedEndpoints`,
      { auth: p.auth },
    );
    const one = await call(
      "GET",
      `/v1/endpoint-services/${serviceId}/metrics?metrics=NewConnections&endpointId=${ep2}`,
      { auth: p.auth },
    );
    const at = (series: { points: Array<{ t: number; value: number }> }) =>
      series.points.find((pt) => pt.t === t)?.value;
    expect(at(all.body.series[0])).toBe(10);
    expect(at(all.body.series[1])).toBe(2);
    expect(at(one.body.series[0])).toBe(6);
  });

  it("refuses bad queries with 400 naming the field", async () => {
    const cases: Array<[string, string, string]> = [
      ["?metrics=Colour", "InvalidParameterValue", "metrics"],
      [
        `?period=custom&granularity=1m&from=${now - 10 * 86_400}&to=${now - 9 * 86_400}`,
        "InvalidParameterValue",
        "granularity",
      ],
      [
        `?period=custom&granularity=1m&from=${now - 2 * 86_400}&to=${now}`,
        "InvalidParameterValue",
        "granularity",
      ],
      ["?period=custom&to=1", "MissingParameter", "from"],
      [`?period=custom&from=${now}&to=${now - 7200}`, "InvalidParameterValue", "to"],
      ["?stat=median", "InvalidParameterValue", "stat"],
    ];
    for (const [query, code, field] of cases) {
      const reply = await call("GET", `/v1/endpoints/${ep1}/metrics${query}`, { auth: c.auth });
      expect(reply.status, query).toBe(400);
      expect(reply.body.error, query).toMatchObject({ code, field });
    }
    const tooMany = await call(
      "GET",
      `/v1/endpoints/${ep1}/metrics?period=custom&granularity=1m&from=${now - 2 * 86_400}&to=${now}`,
      { auth: c.auth },
    );
    expect(tooMany.body.error.message).toContain("1500");
  });

  it("keeps metrics to the resource's owner", async () => {
    const stranger = await newTenant();
    expect((await call("GET", `/v1/endpoint-services/${serviceId}/metrics`, { auth: c.auth })).status).toBe(
      404,
    );
    expect((await call("GET", `/v1/endpoints/${ep1}/metrics`, { auth: stranger.auth })).status).toBe(404);
    expect((await call("GET", `/v1/endpoints/${ep1}/metrics`, { auth: p.auth })).status).toBe(404);
    const unknown = await call("GET", `/v1/endpoint-services/${serviceId}/metrics?endpointId=vpce-00000000`, {
      auth: p.auth,
    });
    expect(unknown.status).toBe(404);
  });

  it("shows a provider one endpoint's series only when that endpoint is connected to its own service", async () => {
    // Prepare: an endpoint of the same consumer on another provider's service, with data in it.
    const otherProvider = await provider();
    const otherService = await service(otherProvider);
    await allow(otherProvider, otherService.id, c.uin);
    const elsewhere = (await created(endpoint(c, otherService.id))).id;
    await decide(otherProvider, otherService.id, "accept", [elsewhere]);
    await ingest([{ resourceId: elsewhere, timestamp: thisMinute - 60, metrics: { BytesIn: 1 } }]);
    const own = (await created(endpoint(await ownConsumerOf(p), serviceId))).id;
    // Act
    const query = (id: string) =>
      call("GET", `/v1/endpoint-services/${serviceId}/metrics?metrics=BytesIn&endpointId=${id}`, {
        auth: p.auth,
      });
    const foreign = await query(elsewhere);
    const mine = await query(own);
    // Assess
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toMatch(/NotFound/);
    expect(mine.status).toBe(200);
  });

  it("compares two windows point by point with differences and totals", async () => {
    const t = thisMinute - 900;
    await ingest([
      { resourceId: ep1, timestamp: t, metrics: { ActiveConnections: 30 } },
      { resourceId: ep1, timestamp: t - 3600, metrics: { ActiveConnections: 20 } },
    ]);
    const reply = await call(
      "GET",
      `/v1/endpoints/${ep1}/metrics/compare?period=custom&granularity=1m&from=${t}&to=${t + 60}&metrics=ActiveConnections&stat=max&compareFrom=${t - 3600}`,
      { auth: c.auth },
    );
    expect(reply.status).toBe(200);
    const s = reply.body.series[0];
    expect(s.points[0]).toEqual({ t, value: 30, compareT: t - 3600, compareValue: 20, diff: 10, pct: 50 });
    expect(s.points[1]).toMatchObject({ value: null, diff: null });
    expect(s.totals).toEqual({ value: 30, compareValue: 20, diff: 10, pct: 50 });
    expect(
      (await call("GET", `/v1/endpoints/${ep1}/metrics/compare`, { auth: c.auth })).body.error.field,
    ).toBe("compareFrom");
  });

  it("exports a view as CSV with a BOM, parsed back, and as JSON", async () => {
    const t = thisMinute - 960;
    await ingest([{ resourceId: ep2, timestamp: t, metrics: { BytesOut: 42 } }]);
    const q = `period=custom&granularity=1m&from=${t}&to=${t + 120}&metrics=BytesOut&stat=sum`;
    const csv = await call("GET", `/v1/endpoints/${ep2}/metrics/export?${q}`, { auth: c.auth });
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    const rows = parse(csv.text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      metric: "BytesOut",
      stat: "sum",
      unit: "Bytes",
      t: String(t),
      value: "42",
    });
    expect(rows[1]?.value).toBe("");
    const json = await call("GET", `/v1/endpoints/${ep2}/metrics/export?${q}&format=json`, { auth: c.auth });
    expect(json.body.rows[0]).toMatchObject({ metric: "BytesOut", t, value: 42 });
  });
});

/** A consumer the provider's service allowlists (for a second endpoint on the service). */
async function ownConsumerOf(prov: Provider): Promise<Consumer> {
  const other = await consumer();
  await allow(prov, serviceId, other.uin);
  return other;
}

describe("rollups", () => {
  it("rolls an hour into sum, min, max and count per metric, identically when run twice", async () => {
    const hour = thisHour - 5 * HOUR;
    await ingest([
      { resourceId: ep1, timestamp: hour, metrics: { BytesIn: 10, ActiveConnections: 1 } },
      { resourceId: ep1, timestamp: hour + 60, metrics: { BytesIn: 30 } },
      { resourceId: ep1, timestamp: hour + 3540, metrics: { BytesIn: 20, ActiveConnections: 5 } },
      { resourceId: ep2, timestamp: hour + 60, metrics: { BytesIn: 100 } },
    ]);
    await Rollup.rollPeriods("hourly", [hour]);
    const first = await item(Keys.metricHour(ep1, hour));
    await Rollup.rollPeriods("hourly", [hour]);
    const second = await item(Keys.metricHour(ep1, hour));
    expect(second).toEqual(first);
    expect(bucketValues(first as Record<string, unknown>)).toEqual({
      BytesIn: { sum: 60, min: 10, max: 30, count: 3 },
      ActiveConnections: { sum: 6, min: 1, max: 5, count: 2 },
    });
    expect(first?.expiresAt).toBe(hour + 93 * 86_400);
    // The service's hour folds its minute sums (10 + 0, 30 + 100, 20).
    expect(
      bucketValues((await item(Keys.metricHour(serviceId, hour))) as Record<string, unknown>).BytesIn,
    ).toEqual({ sum: 160, min: 10, max: 130, count: 3 });
  });

  it("rebuilds a service's hour from its endpoints, so a lost service ADD does not stay lost", async () => {
    // Prepare: an endpoint minute whose stream record was never added to its service (the consumer
    // discarded it after its retries): written while no consumer drains the stream, and not drained.
    const hour = thisHour - 20 * HOUR;
    await ingest([{ resourceId: ep1, timestamp: hour, metrics: { PacketsOut: 5 } }]);
    await stream.drain();
    const lost = {
      ...(await item(Keys.metricMinute(ep2, hour))),
      ...Keys.metricMinute(ep2, hour),
      ...Keys.metricHourMarker(ep2, hour),
    };
    await Db.client().send(
      new PutCommand({
        TableName: Db.table(),
        Item: {
          ...lost,
          type: "MetricMinute",
          v: 1,
          resourceId: ep2,
          t: hour,
          serviceId,
          connected: true,
          m_PacketsOut: 7,
        },
      }),
    );
    // Act
    await Rollup.rollPeriods("hourly", [hour]);
    // Assess: the service minute the stream kept says 5; the hour says 12, with both endpoints connected.
    expect((await item(Keys.metricMinute(serviceId, hour)))?.m_PacketsOut).toBe(5);
    const bucket = bucketValues((await item(Keys.metricHour(serviceId, hour))) as Record<string, unknown>);
    expect(bucket.PacketsOut).toEqual({ sum: 12, min: 12, max: 12, count: 1 });
    expect(bucket.ConnectedEndpoints).toEqual({ sum: 2, min: 2, max: 2, count: 1 });
  });

  it("catches up every missed hour after a 6-hour gap, then rolls late data again", async () => {
    // Prepare: the watermark says the last hour rolled was 7 hours ago; data sits in each hour since.
    const runAt = new Date((thisHour + 600) * 1000);
    const lastRolled = thisHour - 7 * HOUR;
    await Db.client().send(
      new PutCommand({
        TableName: Db.table(),
        Item: { ...Keys.rollupWatermark("hourly"), type: "RollupWatermark", v: 1, last: lastRolled },
      }),
    );
    const hours = Array.from({ length: 6 }, (_, i) => lastRolled + (i + 1) * HOUR);
    await ingest(
      hours.map((h, i) => ({ resourceId: ep2, timestamp: h + 120, metrics: { RstPackets: i + 1 } })),
    );
    // Act: the operator route runs the job at the clock's time, pinned to ten past the hour.
    const run = await atInstant(runAt.getTime(), () =>
      call("POST", "/v1/operator/jobs/rollup-hourly/run", { auth: operatorAuth() }),
    );
    const result = await Rollup.run("hourly", { now: runAt });
    // Assess: the job ran (through the operator route) and rolled all six; a second run has nothing left.
    expect(run.body.outcome.status).toBe("succeeded");
    expect(run.body.outcome.summary.periods).toEqual(hours);
    expect(result.periods).toEqual([]);
    for (const [i, h] of hours.entries()) {
      expect(
        bucketValues((await item(Keys.metricHour(ep2, h))) as Record<string, unknown>).RstPackets,
      ).toEqual({ sum: i + 1, min: i + 1, max: i + 1, count: 1 });
    }
    // Late: a sample for an hour already rolled marks it, and the next run rolls it again.
    await ingest([{ resourceId: ep2, timestamp: (hours[0] as number) + 180, metrics: { RstPackets: 100 } }]);
    expect(await item(Keys.lateMarker("hourly", hours[0] as number))).toBeDefined();
    const again = await Rollup.run("hourly", { now: runAt });
    expect(again.periods).toEqual([hours[0]]);
    expect(
      bucketValues((await item(Keys.metricHour(ep2, hours[0] as number))) as Record<string, unknown>)
        .RstPackets,
    ).toEqual({ sum: 101, min: 1, max: 100, count: 2 });
    expect(await item(Keys.lateMarker("hourly", hours[0] as number))).toBeUndefined();
  });

  it("marks an hour late when a sample lands while a rollup of that hour is under way", async () => {
    // Prepare: the job has started hour H (rolling) but not finished it (last is the hour before).
    const h = thisHour - 30 * HOUR;
    const mark = (await item(Keys.rollupWatermark("hourly"))) ?? {};
    await Db.client().send(
      new PutCommand({
        TableName: Db.table(),
        Item: {
          ...mark,
          ...Keys.rollupWatermark("hourly"),
          type: "RollupWatermark",
          v: 1,
          last: h - HOUR,
          rolling: h,
        },
      }),
    );
    // Act
    await ingest([{ resourceId: ep1, timestamp: h + 600, metrics: { RstPackets: 3 } }]);
    // Assess
    expect(await item(Keys.lateMarker("hourly", h))).toBeDefined();
    // Put the watermark back as the later tests expect it.
    await Db.client().send(
      new PutCommand({ TableName: Db.table(), Item: { ...Keys.rollupWatermark("hourly"), ...mark } }),
    );
  });

  it("rolls days from hours and shows them at 1d", async () => {
    const day = now - (now % 86_400) - 2 * 86_400;
    await ingest([
      { resourceId: ep1, timestamp: day + 3600, metrics: { PacketsDropped: 5 } },
      { resourceId: ep1, timestamp: day + 7200, metrics: { PacketsDropped: 7 } },
    ]);
    await Rollup.rollPeriods("hourly", [day + 3600, day + 7200]);
    await Rollup.rollPeriods("daily", [day]);
    const bucket = await item(Keys.metricDay(ep1, day));
    expect(bucketValues(bucket as Record<string, unknown>).PacketsDropped).toEqual({
      sum: 12,
      min: 5,
      max: 7,
      count: 2,
    });
    expect(bucket?.expiresAt).toBe(day + 730 * 86_400);
    const daily = await call(
      "GET",
      `/v1/endpoints/${ep1}/metrics?period=custom&granularity=1d&from=${day}&to=${day}&metrics=PacketsDropped&stat=sum`,
      { auth: c.auth },
    );
    expect(daily.body.series[0].points).toEqual([{ t: day, value: 12 }]);
    const hourly = await call(
      "GET",
      `/v1/endpoints/${ep1}/metrics?period=custom&granularity=1h&from=${day + 3600}&to=${day + 10_800}&metrics=PacketsDropped&stat=max`,
      { auth: c.auth },
    );
    expect(hourly.body.series[0].points.map((pt: { value: number | null }) => pt.value)).toEqual([
      5,
      7,
      null,
    ]);
  });

  it("matches a reference fold for random samples over random hours (property)", async () => {
    const base = thisHour - 60 * HOUR;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.array(
          fc.record({
            ep: fc.constantFrom(0, 1),
            minute: fc.integer({ min: 0, max: 59 }),
            value: fc.integer({ min: 0, max: 1_000_000 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (hourOffset, samples) => {
          const hour = base + hourOffset * HOUR;
          const eps = [ep1, ep2];
          // One value per endpoint-minute: the last one sent wins.
          const last = new Map<string, { ep: number; minute: number; value: number }>();
          for (const s of samples) last.set(`${s.ep}#${s.minute}`, s);
          // Clear what earlier runs left in this hour, then send this run's samples.
          await ingest(
            eps.flatMap((id) =>
              Array.from({ length: 60 }, (_, m) => ({
                resourceId: id,
                timestamp: hour + m * 60,
                metrics: { NewConnections: 0 },
              })),
            ),
          );
          await ingest(
            samples.map((s) => ({
              resourceId: eps[s.ep],
              timestamp: hour + s.minute * 60,
              metrics: { NewConnections: s.value },
            })),
          );
          await Rollup.rollPeriods("hourly", [hour]);
          for (const [i, id] of eps.entries()) {
            let expected: Aggregate | undefined;
            for (let m = 0; m < 60; m++) expected = fold(expected, last.get(`${i}#${m}`)?.value ?? 0);
            expect(
              bucketValues((await item(Keys.metricHour(id, hour))) as Record<string, unknown>).NewConnections,
            ).toEqual(expected);
          }
          // The service's minutes are the sums of its endpoints'.
          let serviceExpected: Aggregate | undefined;
          for (let m = 0; m < 60; m++)
            serviceExpected = fold(
              serviceExpected,
              (last.get(`0#${m}`)?.value ?? 0) + (last.get(`1#${m}`)?.value ?? 0),
            );
          expect(
            bucketValues((await item(Keys.metricHour(serviceId, hour))) as Record<string, unknown>)
              .NewConnections,
          ).toEqual(serviceExpected);
        },
      ),
      { numRuns: 8 },
    );
  });

  it("lists the rollup jobs with their schedules", async () => {
    const jobs = await call("GET", "/v1/operator/jobs", { auth: operatorAuth() });
    const names = jobs.body.items.map((j: { name: string; schedule: string }) => `${j.name} ${j.schedule}`);
    expect(names).toContain("rollup-hourly cron(5 * * * ? *)");
    expect(names).toContain("rollup-daily cron(20 0 * * ? *)");
  });
});

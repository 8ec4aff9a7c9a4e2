import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { bucketValues } from "../../core/metrics/model.ts";
import { Rollup } from "../../core/metrics/rollup.ts";
import { call, created, operatorAuth } from "../support/api.ts";
import { atInstant, halfPastHour, installSuiteClock, nowSeconds, startClock } from "../support/clock.ts";
import { type Interposed, interpose } from "../support/interpose.ts";
import { allow, consumer, decide, endpoint, provider, service } from "../support/privatelink.ts";

// Each test puts a concurrent writer at one exact point of a rollup run, to prove the guard that
// makes that race harmless. They share one table and its watermarks, in order.
const HOUR = 3600;
const DAY = 86_400;
startClock(halfPastHour());
afterAll(installSuiteClock);
const thisHour = nowSeconds() - (nowSeconds() % HOUR);
/** Hour H: the first the job rolls in this file. */
const H = thisHour - 3 * HOUR;

let ep: string;
let hook: Interposed | undefined;
afterEach(() => hook?.restore());

beforeAll(async () => {
  const p = await provider();
  const c = await consumer();
  const s = await service(p);
  await allow(p, s.id, c.uin);
  ep = (await created(endpoint(c, s.id))).id;
  await decide(p, s.id, "accept", [ep]);
  await put({ ...Keys.rollupWatermark("hourly"), type: "RollupWatermark", v: 1, last: H - HOUR });
});

function ingest(timestamp: number, value: number) {
  return call("POST", "/v1/metrics/samples", {
    auth: operatorAuth(),
    body: { samples: [{ resourceId: ep, timestamp, metrics: { RstPackets: value } }] },
  });
}

async function item(key: { pk: string; sk: string }) {
  return (await Db.client().send(new GetCommand({ TableName: Db.table(), Key: key, ConsistentRead: true })))
    .Item;
}

async function put(item: Record<string, unknown>) {
  await Db.client().send(new PutCommand({ TableName: Db.table(), Item: item }));
}

async function rst(key: { pk: string; sk: string }) {
  return bucketValues((await item(key)) as Record<string, unknown>).RstPackets;
}

/** The hourly job as it runs ten minutes after `hour` ended: `hour` is its last complete one. */
const hourlyAfter = (hour: number) => Rollup.run("hourly", { now: new Date((hour + HOUR + 600) * 1000) });

/** Just before the run writes its buckets, after it has read the period. */
const beforeBucketWrite = (act: () => Promise<unknown>) =>
  interpose({ when: (s) => s.name === "BatchWriteCommand", act });

describe("rollup races", () => {
  it("marks the hour it is rolling before reading it, so a sample landing meanwhile makes the hour late", async () => {
    // Prepare
    await ingest(H + 60, 1);
    hook = beforeBucketWrite(() => ingest(H + 120, 2));
    // Act
    const first = await hourlyAfter(H);
    // Assess: the run missed the sample, but the sample marked the hour, and the next run rolls it again.
    expect(hook.count).toBe(1);
    expect(first.periods).toEqual([H]);
    expect(await rst(Keys.metricHour(ep, H))).toMatchObject({ sum: 1, count: 1 });
    expect(await item(Keys.lateMarker("hourly", H))).toBeDefined();
    expect((await hourlyAfter(H)).periods).toEqual([H]);
    expect(await rst(Keys.metricHour(ep, H))).toMatchObject({ sum: 3, count: 2 });
  });

  it("deletes only the late marker it handled: one set again while it worked stays for the next run", async () => {
    // Prepare: an hour already rolled gets a late sample, then another while the job re-rolls it.
    const h = H - 2 * HOUR;
    await atInstant(thisHour * 1000 + 60_000, () => ingest(h + 60, 5));
    const marked = await item(Keys.lateMarker("hourly", h));
    hook = beforeBucketWrite(() => atInstant(thisHour * 1000 + 120_000, () => ingest(h + 120, 6)));
    // Act
    const run = await hourlyAfter(H);
    // Assess
    expect(marked?.markedAt).toBe(thisHour * 1000 + 60_000);
    expect(run.periods).toEqual([h]);
    expect((await item(Keys.lateMarker("hourly", h)))?.markedAt).toBe(thisHour * 1000 + 120_000);
    expect(await rst(Keys.metricHour(ep, h))).toMatchObject({ sum: 5, count: 1 });
    expect((await hourlyAfter(H)).periods).toEqual([h]);
    expect(await rst(Keys.metricHour(ep, h))).toMatchObject({ sum: 11, count: 2 });
    expect(await item(Keys.lateMarker("hourly", h))).toBeUndefined();
  });

  it("never moves the watermark back when another run got further meanwhile", async () => {
    // Prepare: data in H+1; while this run rolls H+1, another has already finished H+2.
    await ingest(H + HOUR + 60, 1);
    hook = beforeBucketWrite(() =>
      put({ ...Keys.rollupWatermark("hourly"), type: "RollupWatermark", v: 1, last: H + 2 * HOUR }),
    );
    // Act
    const run = await hourlyAfter(H + HOUR);
    // Assess
    expect(hook.count).toBe(1);
    expect(run.periods).toEqual([H + HOUR]);
    expect(await Rollup.watermark("hourly")).toBe(H + 2 * HOUR);
  });

  it("makes a rolled day late when one of its hours is rolled again, and the daily run rolls it again", async () => {
    // Prepare: the daily job has rolled day D; a sample then arrives for one of D's hours.
    const d = thisHour - (thisHour % DAY) - 2 * DAY;
    await put({ ...Keys.rollupWatermark("daily"), type: "RollupWatermark", v: 1, last: d });
    await ingest(d + 3 * HOUR, 9);
    // Act
    await Rollup.rollPeriods("hourly", [d + 3 * HOUR]);
    // Assess
    expect(await item(Keys.lateMarker("daily", d))).toBeDefined();
    const daily = await Rollup.run("daily", { now: new Date((thisHour + 600) * 1000) });
    expect(daily.periods).toContain(d);
    expect(await rst(Keys.metricDay(ep, d))).toEqual({ sum: 9, min: 9, max: 9, count: 1 });
    expect(await item(Keys.lateMarker("daily", d))).toBeUndefined();
  });
});

import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { ServiceMinutes } from "../../core/metrics/service-minutes.ts";
import type { Change } from "../../core/stream/change.ts";
import { toChange } from "../../functions/streams/change.ts";
import { handler, type ShardStreamEvent } from "../../functions/streams/metrics.ts";
import { call, operatorAuth } from "../support/api.ts";
import { halfPastHour, installSuiteClock, nowSeconds, startClock } from "../support/clock.ts";
import { metricStream, serviceWithEndpoints } from "../support/privatelink.ts";

// Service minutes are derived from the table's stream (core/metrics/service-minutes.ts): these tests
// drive the stream themselves, replay its batches, and check the sums stay exact.
startClock(halfPastHour());
afterAll(installSuiteClock);
const thisMinute = nowSeconds() - (nowSeconds() % 60);

let serviceId: string;
let ep1: string;
let ep2: string;
/** Pending: its minutes add their values but do not count as connected. */
let ep3: string;
const stream = metricStream();

beforeAll(async () => {
  const world = await serviceWithEndpoints(2, 1);
  serviceId = world.serviceId;
  [ep1, ep2] = world.accepted as [string, string];
  [ep3] = world.pending as [string];
});

function ingest(samples: unknown[]) {
  return call("POST", "/v1/metrics/samples", { auth: operatorAuth(), body: { samples } });
}

async function item(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await Db.client().send(new GetCommand({ TableName: Db.table(), Key: key, ConsistentRead: true })))
    .Item;
}

const serviceMinute = (t: number) => item(Keys.metricMinute(serviceId, t));

/** Batches handed over by a poller whose handler adds nothing: the test applies them itself. */
async function recordedBatches(): Promise<ShardStreamEvent[]> {
  const recorder = metricStream(async () => ({ batchItemFailures: [], state: {} }));
  await recorder.drain();
  return recorder.batches as ShardStreamEvent[];
}

/** The records of one minute of this service, in stream order, as one shard's event. */
function eventFor(batches: ShardStreamEvent[], t: number): ShardStreamEvent {
  const records = batches
    .flatMap((b) => b.Records)
    .filter((r) => toChange(r).newImage?.t === t && toChange(r).newImage?.serviceId === serviceId);
  const shards = new Set(batches.map((b) => b.shardId));
  expect(shards.size).toBe(1);
  return { Records: records, shardId: batches[0]?.shardId };
}

describe("service minutes from the stream", () => {
  it("change by the difference only when a sample is sent again", async () => {
    // Prepare
    const t = thisMinute - 60;
    await ingest([
      { resourceId: ep1, timestamp: t, metrics: { BytesIn: 100 } },
      { resourceId: ep2, timestamp: t, metrics: { BytesIn: 50 } },
    ]);
    await stream.drain();
    expect(await serviceMinute(t)).toMatchObject({ m_BytesIn: 150, n_BytesIn: 2 });
    // Act: one endpoint's minute corrected, with a metric it did not have.
    await ingest([{ resourceId: ep1, timestamp: t, metrics: { BytesIn: 130, PacketsIn: 4 } }]);
    await stream.drain();
    // Assess
    expect(await serviceMinute(t)).toMatchObject({
      m_BytesIn: 180,
      n_BytesIn: 2,
      m_PacketsIn: 4,
      n_PacketsIn: 1,
    });
  });

  it("stay exact when concurrent requests send the same minutes again", async () => {
    // Prepare: six requests at once over the same three minutes, with different values.
    const minutes = [thisMinute - 120, thisMinute - 180, thisMinute - 240];
    const request = (k: number) =>
      ingest(
        minutes.flatMap((t) => [
          { resourceId: ep1, timestamp: t, metrics: { BytesOut: 10 * k, ActiveConnections: k } },
          { resourceId: ep2, timestamp: t, metrics: { BytesOut: k } },
        ]),
      );
    // Act
    await Promise.all([1, 2, 3, 4, 5, 6].map(request));
    await stream.drain();
    // Assess: each service minute is the sum of the endpoint minutes that won.
    for (const t of minutes) {
      const a = (await item(Keys.metricMinute(ep1, t))) as Record<string, number>;
      const b = (await item(Keys.metricMinute(ep2, t))) as Record<string, number>;
      expect(await serviceMinute(t)).toMatchObject({
        m_BytesOut: (a.m_BytesOut as number) + (b.m_BytesOut as number),
        n_BytesOut: 2,
        m_ActiveConnections: a.m_ActiveConnections,
        n_ActiveConnections: 1,
        m_ConnectedEndpoints: 2,
      });
    }
  });

  it("change nothing when the same stream batch is delivered again", async () => {
    // Prepare
    const t = thisMinute - 300;
    await ingest([
      { resourceId: ep1, timestamp: t, metrics: { NewConnections: 3 } },
      { resourceId: ep2, timestamp: t, metrics: { NewConnections: 4 } },
    ]);
    const event = eventFor(await recordedBatches(), t);
    await handler(event);
    const once = await serviceMinute(t);
    expect(once).toMatchObject({ m_NewConnections: 7, n_NewConnections: 2, m_ConnectedEndpoints: 2 });
    // Act
    const again = await handler(event);
    // Assess
    expect(again.batchItemFailures).toEqual([]);
    expect(await serviceMinute(t)).toEqual(once);
  });

  it("add only the rest when a batch whose first part was added is delivered again", async () => {
    // Prepare: four changes to one service minute in one batch: two first writes, two corrections.
    const t = thisMinute - 360;
    await ingest([
      { resourceId: ep1, timestamp: t, metrics: { RstPackets: 1 } },
      { resourceId: ep2, timestamp: t, metrics: { RstPackets: 2 } },
    ]);
    await ingest([{ resourceId: ep1, timestamp: t, metrics: { RstPackets: 5 } }]);
    await ingest([{ resourceId: ep2, timestamp: t, metrics: { RstPackets: 7 } }]);
    const whole = eventFor(await recordedBatches(), t);
    expect(whole.Records).toHaveLength(4);
    // A first delivery that added the first three (ep1 at 5, ep2 at 2), as a bisected batch would.
    await handler({ ...whole, Records: whole.Records.slice(0, 3) });
    expect(await serviceMinute(t)).toMatchObject({ m_RstPackets: 7, n_RstPackets: 2 });
    // Act
    await handler(whole);
    // Assess: ep1 at 5 and ep2 at 7, each endpoint counted once.
    expect(await serviceMinute(t)).toMatchObject({
      m_RstPackets: 12,
      n_RstPackets: 2,
      m_ConnectedEndpoints: 2,
    });
  });

  it("add each record once when two consumers read the same shard at once", async () => {
    // Prepare
    const t = thisMinute - 420;
    await ingest([
      { resourceId: ep1, timestamp: t, metrics: { PacketsOut: 11 } },
      { resourceId: ep2, timestamp: t, metrics: { PacketsOut: 22 } },
    ]);
    // Act: two pollers from the start of the stream (every earlier record replayed, too).
    await Promise.all([metricStream().drain(), metricStream().drain()]);
    // Assess
    expect(await serviceMinute(t)).toMatchObject({ m_PacketsOut: 33, n_PacketsOut: 2 });
  });

  it("count an endpoint as connected once per minute, and a pending one not at all", async () => {
    // Prepare: the first write, two re-sends in the same batch, and one more in a later batch.
    const t = thisMinute - 480;
    await ingest([
      { resourceId: ep1, timestamp: t, metrics: { BytesIn: 1 } },
      { resourceId: ep3, timestamp: t, metrics: { BytesIn: 1 } },
    ]);
    await ingest([{ resourceId: ep1, timestamp: t, metrics: { BytesIn: 2 } }]);
    await ingest([{ resourceId: ep1, timestamp: t, metrics: { BytesIn: 3 } }]);
    // Act
    await stream.drain();
    await ingest([{ resourceId: ep1, timestamp: t, metrics: { BytesIn: 4 } }]);
    await stream.drain();
    // Assess
    expect(await serviceMinute(t)).toMatchObject({
      m_BytesIn: 5,
      n_BytesIn: 2,
      m_ConnectedEndpoints: 1,
      n_ConnectedEndpoints: 1,
    });
  });

  it("are not fed by service minutes, even one that got past the filter", async () => {
    // Prepare: a service minute, and its change as the stream carries it.
    const t = thisMinute - 540;
    await ingest([{ resourceId: ep1, timestamp: t, metrics: { BytesIn: 9 } }]);
    await stream.drain();
    const stored = (await serviceMinute(t)) as Record<string, unknown>;
    const change: Change = {
      kind: "modify",
      entity: "MetricMinute",
      keys: Keys.metricMinute(serviceId, t),
      newImage: stored,
      oldImage: { ...stored, m_BytesIn: 0 },
      sequence: "9".repeat(40),
      at: new Date(),
    };
    // Act
    const result = await ServiceMinutes.apply("shardId-test", [change]);
    // Assess
    expect(result).toEqual({ added: 0, replayed: 0 });
    expect(await serviceMinute(t)).toEqual(stored);
  });

  it("compares sequence numbers of different lengths as numbers", async () => {
    // Prepare: two changes of one shard whose sequence numbers grow a digit in between.
    const t = thisMinute - 600;
    const change = (sequence: string, kind: Change["kind"], before: number | undefined, now: number) => ({
      kind,
      entity: "MetricMinute" as const,
      keys: Keys.metricMinute(ep2, t),
      newImage: {
        type: "MetricMinute",
        resourceId: ep2,
        serviceId,
        t,
        connected: true,
        summedBy: ServiceMinutes.SUMMED_BY,
        expiresAt: t + 86_400,
        m_BytesIn: now,
      },
      oldImage:
        before === undefined
          ? undefined
          : { type: "MetricMinute", resourceId: ep2, serviceId, t, connected: true, m_BytesIn: before },
      sequence,
      at: new Date(),
    });
    // Act
    const first = await ServiceMinutes.apply("shardId-digits", [
      change("9".repeat(21), "insert", undefined, 5),
    ]);
    const second = await ServiceMinutes.apply("shardId-digits", [
      change(`1${"0".repeat(21)}`, "modify", 5, 8),
    ]);
    // Assess
    expect([first.added, second.added]).toEqual([1, 1]);
    expect(await serviceMinute(t)).toMatchObject({ m_BytesIn: 8, n_BytesIn: 1, m_ConnectedEndpoints: 1 });
  });

  /** One endpoint minute's change as the stream carries it, written by this ingest unless told. */
  const minuteChange = (o: {
    t: number;
    sequence: string;
    now: { bytes: number; connected: boolean; earlier?: boolean };
    before?: { bytes: number; connected: boolean; earlier?: boolean };
  }): Change => {
    const image = (v: { bytes: number; connected: boolean; earlier?: boolean }) => ({
      type: "MetricMinute",
      resourceId: ep2,
      serviceId,
      t: o.t,
      connected: v.connected,
      ...(v.earlier ? {} : { summedBy: ServiceMinutes.SUMMED_BY }),
      expiresAt: o.t + 86_400,
      m_BytesIn: v.bytes,
    });
    return {
      kind: o.before ? "modify" : "insert",
      entity: "MetricMinute",
      keys: Keys.metricMinute(ep2, o.t),
      newImage: image(o.now),
      oldImage: o.before ? image(o.before) : undefined,
      sequence: o.sequence,
      at: new Date(),
    };
  };

  it("add nothing for a minute the earlier ingest wrote (it added it then), and new − old when it is re-sent", async () => {
    // Prepare: the earlier ingest's minute, already in its service minute, and its record in the stream.
    const t = thisMinute - 660;
    const earlier = { bytes: 5, connected: true, earlier: true };
    // Act
    const replayed = await ServiceMinutes.apply("shardId-upgrade", [
      minuteChange({ t, sequence: "100", now: earlier }),
    ]);
    const resent = await ServiceMinutes.apply("shardId-upgrade", [
      minuteChange({ t, sequence: "200", before: earlier, now: { bytes: 8, connected: true } }),
    ]);
    // Assess: only the difference reaches the service minute (the 5 was the earlier ingest's to add).
    expect([replayed.added, resent.added]).toEqual([0, 1]);
    expect(await serviceMinute(t)).toMatchObject({ m_BytesIn: 3 });
  });

  it("add a batch delivered again out of order once: the guard takes its lowest and highest records", async () => {
    // Prepare: two records added in order.
    const t = thisMinute - 720;
    const r1 = minuteChange({ t, sequence: "100", now: { bytes: 5, connected: true } });
    const r2 = minuteChange({
      t,
      sequence: "200",
      before: { bytes: 5, connected: true },
      now: { bytes: 8, connected: true },
    });
    const r3 = minuteChange({
      t,
      sequence: "300",
      before: { bytes: 8, connected: true },
      now: { bytes: 10, connected: true },
    });
    await ServiceMinutes.apply("shardId-order", [r1, r2]);
    // Act: a redelivery with the new record first and an added one after it.
    const result = await ServiceMinutes.apply("shardId-order", [r3, r2]);
    // Assess
    expect(result).toEqual({ added: 1, replayed: 1 });
    expect(await serviceMinute(t)).toMatchObject({ m_BytesIn: 10, n_BytesIn: 1 });
  });

  it("count a minute first sent while pending as connected once it is sent again after the accept", async () => {
    // Prepare
    const t = thisMinute - 780;
    const pending = { bytes: 1, connected: false };
    await ServiceMinutes.apply("shardId-accept", [minuteChange({ t, sequence: "100", now: pending })]);
    const before = await serviceMinute(t);
    // Act
    await ServiceMinutes.apply("shardId-accept", [
      minuteChange({ t, sequence: "200", before: pending, now: { bytes: 2, connected: true } }),
    ]);
    // Assess: as the hourly rollup counts it, by the latest write.
    expect(before?.m_ConnectedEndpoints ?? 0).toBe(0);
    expect(await serviceMinute(t)).toMatchObject({ m_BytesIn: 2, m_ConnectedEndpoints: 1 });
  });

  it("report a service minute that could not be written from its lowest record, and add the rest once when it comes again", async () => {
    // Prepare: records of two minutes interleaved in one shard; the table refuses the second minute.
    const [t1, t2] = [thisMinute - 840, thisMinute - 900];
    const batch = [
      minuteChange({ t: t1, sequence: "100", now: { bytes: 1, connected: true } }),
      minuteChange({ t: t2, sequence: "200", now: { bytes: 2, connected: true } }),
      minuteChange({
        t: t1,
        sequence: "300",
        before: { bytes: 1, connected: true },
        now: { bytes: 4, connected: true },
      }),
    ];
    const real = Db.client();
    const refused = Keys.metricMinute(serviceId, t2);
    Db.use(
      new Proxy(real, {
        get(target, prop, receiver) {
          if (prop !== "send") return Reflect.get(target, prop, receiver);
          return (command: { input: { Key?: { pk?: string; sk?: string } } }, options?: unknown) =>
            command instanceof UpdateCommand &&
            command.input.Key?.pk === refused.pk &&
            command.input.Key?.sk === refused.sk
              ? Promise.reject(Object.assign(new Error("refused"), { name: "ValidationException" }))
              : target.send(command as never, options as never);
        },
      }),
    );
    // Act
    let first: Awaited<ReturnType<typeof ServiceMinutes.apply>>;
    try {
      first = await ServiceMinutes.apply("shardId-partial", batch);
    } finally {
      Db.use(real);
    }
    // Delivered again from the reported record, as Lambda and the poller do.
    const again = await ServiceMinutes.apply("shardId-partial", batch.slice(1));
    // Assess
    expect(first).toEqual({ added: 2, replayed: 0, failedFrom: "200" });
    expect(again).toEqual({ added: 1, replayed: 1 });
    expect(await serviceMinute(t1)).toMatchObject({ m_BytesIn: 4, n_BytesIn: 1 });
    expect(await serviceMinute(t2)).toMatchObject({ m_BytesIn: 2, n_BytesIn: 1 });
  });

  it("refuses an event that names no shard rather than add without its guard", async () => {
    const event: DynamoDBStreamEvent = eventFor(await recordedBatches(), thisMinute - 60);
    await expect(handler({ Records: event.Records })).rejects.toThrow(/names no shard/);
  });
});

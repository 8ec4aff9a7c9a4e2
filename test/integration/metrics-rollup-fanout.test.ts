import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { Rollup } from "../../core/metrics/rollup.ts";
import { RollupDispatch } from "../../core/metrics/rollup-dispatch.ts";
import { RollupShards } from "../../core/metrics/rollup-shards.ts";
import { handler as shardWorker } from "../../functions/cron/rollup-shard.ts";
import { call, operatorAuth } from "../support/api.ts";
import { halfPastHour, installSuiteClock, nowSeconds, startClock } from "../support/clock.ts";
import { type Interposed, interpose } from "../support/interpose.ts";
import { metricStream, serviceWithEndpoints } from "../support/privatelink.ts";
import { captureSqsSends, sqsEvent } from "../support/sqs.ts";

// The hourly rollup fanned out over its 16 shards: each test holds, kills or replays one shard task, to
// prove the guard that keeps the hour whole. They share one table and its watermark, in order.
const HOUR = 3600;
startClock(halfPastHour());
afterAll(installSuiteClock);
const thisHour = nowSeconds() - (nowSeconds() % HOUR);
/** Hour A: the first this file rolls; each test takes the hours after the last one's. */
const A = thisHour - 20 * HOUR;

let serviceId: string;
const eps: string[] = [];
let hook: Interposed | undefined;
afterEach(() => hook?.restore());

beforeAll(async () => {
  // Six endpoints, one left pending: it reports, but does not count as connected.
  const world = await serviceWithEndpoints(5, 1);
  serviceId = world.serviceId;
  eps.push(...world.accepted, ...world.pending);
  for (let h = 0; h < 9; h++) await ingestHour(A + h * HOUR);
  // The service's own minutes too (the stream's): the rollup rebuilds the hour from its endpoints.
  await metricStream().drain();
  await setWatermark(A - HOUR);
}, 120_000);

async function ingestHour(hour: number) {
  const samples = eps.flatMap((id, i) =>
    [0, 7, 31, 59].map((m) => ({
      resourceId: id,
      timestamp: hour + m * 60,
      metrics: { BytesIn: (i + 1) * 100 + m, ActiveConnections: i + m, RstPackets: m % 3 },
    })),
  );
  const out = await call("POST", "/v1/metrics/samples", { auth: operatorAuth(), body: { samples } });
  expect(out.body.accepted).toBe(samples.length);
}

async function item(key: { pk: string; sk: string }) {
  return (await Db.client().send(new GetCommand({ TableName: Db.table(), Key: key, ConsistentRead: true })))
    .Item;
}

async function setWatermark(last: number) {
  await Db.client().send(
    new PutCommand({
      TableName: Db.table(),
      Item: { ...Keys.rollupWatermark("hourly"), type: "RollupWatermark", v: 1, last },
    }),
  );
}

/** Every hourly bucket of an hour: the endpoints' and the service's. */
async function buckets(hour: number) {
  return Promise.all([...eps, serviceId].map((id) => item(Keys.metricHour(id, hour))));
}

async function forget(hour: number) {
  for (const id of [...eps, serviceId])
    await Db.client().send(new DeleteCommand({ TableName: Db.table(), Key: Keys.metricHour(id, hour) }));
}

/** The shard an endpoint's minutes are marked in. */
const shardOf = (id: string) => Number(Keys.metricHourMarker(id, A).gsi3pk.split("#").at(-1));

/** The hourly job as it runs ten minutes after `hour` ended, its shards handed to `dispatch`. */
const hourlyAfter = (hour: number, options: Rollup.RunOptions = {}) =>
  Rollup.run("hourly", { now: new Date((hour + HOUR + 600) * 1000), ...options });

/** Counts what is written (anything but reads) while `act` runs. */
async function writesDuring(act: () => Promise<unknown>): Promise<number> {
  const writes = new Set(["BatchWriteCommand", "PutCommand", "UpdateCommand", "DeleteCommand"]);
  let n = 0;
  hook = interpose({
    when: (s) => writes.has(s.name),
    act: async () => {
      n++;
    },
    times: Number.POSITIVE_INFINITY,
  });
  try {
    await act();
  } finally {
    hook.restore();
  }
  return n;
}

describe("hourly rollup fan-out", () => {
  it("writes the very buckets one invocation writes, with four shard workers", async () => {
    // Prepare: the reference, rolled in one invocation; then forgotten.
    await Rollup.rollPeriods("hourly", [A]);
    const reference = await buckets(A);
    await forget(A);
    // Act
    const run = await hourlyAfter(A, { workers: 4 });
    // Assess
    expect(run.periods).toEqual([A]);
    expect(run.shards).toMatchObject({ tasks: 16, ran: 16 });
    expect(await buckets(A)).toEqual(reference);
    expect(reference.every((b) => b !== undefined)).toBe(true);
    expect(reference.at(-1)?.ConnectedEndpoints_max).toBe(5);
    expect(await Rollup.watermark("hourly")).toBe(A);
  });

  it("moves the watermark only once every shard of every hour before it is done", async () => {
    // Prepare: hours A+1 and A+2 are rolled together; one shard of A+1 is held back.
    const held = shardOf(eps[0] as string);
    const kept: RollupShards.Task[] = [];
    const holdOne: RollupDispatch.Dispatch = (tasks) => {
      kept.push(...tasks.filter((t) => t.hour === A + HOUR && t.shard === held));
      return RollupDispatch.local(4)(tasks.filter((t) => !kept.includes(t)));
    };
    // Act
    const run = await hourlyAfter(A + 2 * HOUR, { dispatch: holdOne });
    // Assess: A+2 is complete, A+1 is not, and the watermark waits at A for it.
    expect(run.periods).toEqual([A + HOUR, A + 2 * HOUR]);
    expect(kept).toHaveLength(1);
    expect((await RollupShards.find(A + 2 * HOUR))?.mergedAt).toBeDefined();
    expect((await RollupShards.find(A + HOUR))?.mergedAt).toBeUndefined();
    expect(await item(Keys.metricHour(serviceId, A + HOUR))).toBeUndefined();
    expect(await Rollup.watermark("hourly")).toBe(A);
    // Act: the held shard runs last; it completes A+1, and the watermark passes both hours.
    const outcome = await RollupShards.roll(kept[0] as RollupShards.Task);
    // Assess
    expect(outcome.status).toBe("rolled");
    expect(await item(Keys.metricHour(serviceId, A + HOUR))).toBeDefined();
    expect(await Rollup.watermark("hourly")).toBe(A + 2 * HOUR);
  });

  it("writes nothing when a finished shard is delivered again", async () => {
    // Prepare: hour A+3 rolled whole; its tasks as the queue would carry them.
    const sent: RollupShards.Task[] = [];
    await hourlyAfter(A + 3 * HOUR, {
      dispatch: (tasks) => {
        sent.push(...tasks);
        return RollupDispatch.local(2)(tasks);
      },
    });
    const before = await buckets(A + 3 * HOUR);
    // Act: every task again, straight and through the SQS handler.
    const direct = await writesDuring(() => Promise.all(sent.map((t) => RollupShards.roll(t))));
    const viaQueue = await writesDuring(() => shardWorker(sqsEvent(sent.map((t) => JSON.stringify(t)))));
    // Assess
    expect(sent).toHaveLength(16);
    expect(direct).toBe(0);
    expect(viaQueue).toBe(0);
    expect(await buckets(A + 3 * HOUR)).toEqual(before);
    expect((await RollupShards.find(A + 3 * HOUR))?.done.size).toBe(16);
  });

  it("completes an hour whose shard died after writing, by running the shard again", async () => {
    // Prepare: the reference; then the worker of ep0's shard dies once its buckets are written.
    const h = A + 4 * HOUR;
    await Rollup.rollPeriods("hourly", [h]);
    const reference = await buckets(h);
    await forget(h);
    const dying = shardOf(eps[0] as string);
    hook = interpose({
      when: (s) =>
        s.name === "BatchWriteCommand" &&
        JSON.stringify(s.input).includes(Keys.metricHour(eps[0] as string, h).pk),
      act: async () => {
        throw new Error("worker killed");
      },
      after: true,
    });
    // Act
    await expect(hourlyAfter(h, { workers: 4 })).rejects.toThrow();
    hook.restore();
    // Assess: its buckets are there, its shard is not done, and the watermark waits.
    expect(await item(Keys.metricHour(eps[0] as string, h))).toBeDefined();
    expect((await RollupShards.find(h))?.done.has(dying)).toBe(false);
    expect(await Rollup.watermark("hourly")).toBe(h - HOUR);
    // Act: the next run resumes the round: only the dead shard is handed out, and it completes the hour.
    const again = await hourlyAfter(h, { workers: 4 });
    // Assess
    expect(again.shards).toMatchObject({ tasks: 1, ran: 1 });
    expect(await buckets(h)).toEqual(reference);
    expect(await Rollup.watermark("hourly")).toBe(h);
  });

  it("in AWS sends one message per shard, and the workers complete the hour from them", async () => {
    // Prepare
    const h = A + 5 * HOUR;
    const { sent, mock } = captureSqsSends();
    try {
      // Act: the job sends; nothing is rolled until the worker takes the messages.
      const run = await hourlyAfter(h, { dispatch: RollupDispatch.queue("https://sqs.test/123/rollup") });
      expect(run.shards).toMatchObject({ tasks: 16, ran: 0 });
      expect(sent).toHaveLength(16);
      expect(await item(Keys.metricHour(eps[1] as string, h))).toBeUndefined();
      expect(await Rollup.watermark("hourly")).toBe(h - HOUR);
      const failed = await shardWorker(sqsEvent(sent.map((m) => m.body)));
      // Assess
      expect(failed.batchItemFailures).toEqual([]);
      expect(await item(Keys.metricHour(eps[1] as string, h))).toBeDefined();
      expect(await item(Keys.metricHour(serviceId, h))).toBeDefined();
      expect(await Rollup.watermark("hourly")).toBe(h);
    } finally {
      mock.restore();
    }
  });

  it("lets a task of a replaced round write nothing, and a late sample re-roll the hour", async () => {
    // Prepare: hour A+6 rolled, its tasks kept; a late sample marks it; a new round is opened for it.
    const h = A + 6 * HOUR;
    const old: RollupShards.Task[] = [];
    await hourlyAfter(h, {
      dispatch: (tasks) => {
        old.push(...tasks);
        return RollupDispatch.local(4)(tasks);
      },
    });
    const sample = { resourceId: eps[2], timestamp: h + 120, metrics: { RstPackets: 1000 } };
    await call("POST", "/v1/metrics/samples", { auth: operatorAuth(), body: { samples: [sample] } });
    const late = (await item(Keys.lateMarker("hourly", h)))?.markedAt as number;
    await RollupShards.open(h, late);
    // Act: the old tasks arrive while the new round waits for its workers; then the next run.
    const stale = await writesDuring(() => Promise.all(old.map((t) => RollupShards.roll(t))));
    const again = await hourlyAfter(h, { workers: 4 });
    // Assess: the run resumed the new round, whose shards folded the late sample.
    expect(stale).toBe(0);
    expect(again.periods).toEqual([h]);
    expect(again.shards).toMatchObject({ tasks: 16 });
    expect((await item(Keys.metricHour(eps[2] as string, h)))?.RstPackets_max).toBe(1000);
    expect(await item(Keys.lateMarker("hourly", h))).toBeUndefined();
    expect(await Rollup.watermark("hourly")).toBe(h);
  });

  it("opens one round for an hour that two runs open at once, and counts a shard run twice at once once", async () => {
    // Prepare: the second run opens the hour just before the first one writes its round.
    const h = A + 7 * HOUR;
    let inner: Awaited<ReturnType<typeof RollupShards.open>> | undefined;
    hook = interpose({
      when: (s) => s.name === "PutCommand" && s.input.Item?.type === "RollupRound",
      act: async () => {
        inner = await RollupShards.open(h);
      },
    });
    // Act
    const outer = await RollupShards.open(h);
    hook.restore();
    const outcomes = await Promise.all(
      outer.tasks.flatMap((t) => [RollupShards.roll(t), RollupShards.roll(t)]),
    );
    // Assess
    expect(outer.round.round).toBe(inner?.round.round);
    expect(outcomes.filter((o) => o.status === "rolled")).toHaveLength(16);
    // Six endpoints and the service: each bucket counted once.
    expect((await RollupShards.find(h))?.buckets).toBe(7);
    expect(await Rollup.watermark("hourly")).toBe(h);
  });

  it("runs at most the configured number of shard workers at once in this process", async () => {
    // Prepare: shard Queries in flight, counted around the client's send.
    const client = Db.client() as unknown as { send: (c: unknown, ...r: unknown[]) => Promise<unknown> };
    const send = client.send;
    let inFlight = 0;
    let most = 0;
    client.send = async function counted(command: unknown, ...rest: unknown[]) {
      const input = (command as { input: { IndexName?: string } }).input;
      const shardQuery = input.IndexName === "gsi3";
      if (shardQuery) most = Math.max(most, ++inFlight);
      try {
        return await send.call(client, command, ...rest);
      } finally {
        if (shardQuery) inFlight--;
      }
    };
    try {
      // Act
      const run = await hourlyAfter(A + 8 * HOUR, { workers: 2 });
      // Assess
      expect(run.shards).toMatchObject({ tasks: 16, ran: 16 });
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(2);
    } finally {
      client.send = send;
    }
  });
});

import { randomUUID } from "node:crypto";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import * as Config from "../config.ts";
import { batchPut } from "../db/batch.ts";
import { Db } from "../db/client.ts";
import { ifConditionHolds } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { METRIC_SHARDS } from "../db/keys.ts";
import { collect, getItem, queryAll } from "../db/page.ts";
import { log } from "../util/log.ts";
import { Clock } from "../util/time.ts";
import { type BucketValues, DAY, floorTo, HOUR } from "./model.ts";
import { RollupFold } from "./rollup-fold.ts";
import { RollupMarks } from "./rollup-marks.ts";

/**
 * The hourly rollup fanned out: an hour is rolled as 16 shard tasks, one per marker shard (gsi3
 * `MDIRTY#H#<hour>#<shard>`), each run by its own worker (a Lambda invocation per SQS message in AWS,
 * concurrent workers in this process locally), and completed by whichever worker finishes last.
 *
 * A round (`RROUND#hourly`, one item per hour) records the shards done. A shard worker folds its
 * endpoints into their hourly buckets and its services' minute sums into a part item per service, and
 * only then adds its shard to the round, on the condition that the round is still the same and the shard
 * not yet in it. The worker whose addition makes 16 completes the hour: it sums the services' parts into
 * their buckets, marks the round merged, clears the late marker the round was for, and moves the
 * watermark over every hour that is merged in a row. So the watermark never passes an hour with a shard
 * missing, however the workers interleave.
 *
 * A shard task run again (SQS delivers a message twice, a worker died and its message came back, the
 * next job run resumes a round) finds its shard done and writes nothing, or, if it had not finished,
 * folds the whole shard again: every write is a deterministic Put, so re-doing is safe.
 */
export namespace RollupShards {
  export const Task = z.object({
    hour: z.number().int().nonnegative(),
    shard: z
      .number()
      .int()
      .min(0)
      .max(METRIC_SHARDS - 1),
    round: z.string().min(1).max(64),
  });
  export type Task = z.infer<typeof Task>;

  export interface Round {
    hour: number;
    round: string;
    startedAt: number;
    /** The late marker (its `markedAt`) this round rolls the hour again for. */
    late?: number;
    done: Set<number>;
    buckets: number;
    resources: number;
    mergedAt?: number;
  }

  export interface Outcome {
    status: "rolled" | "replayed" | "superseded";
    resources: number;
    buckets: number;
    /** The shard's own work: read, fold, write, record. */
    ms: number;
    /** The step that completed the hour, when this shard was its last. */
    completeMs?: number;
  }

  /** Bucket writes in flight per shard worker. */
  const WRITES_IN_FLIGHT = 4;

  function toRound(item: Record<string, unknown>): Round {
    return {
      hour: Number(item.hour),
      round: String(item.round),
      startedAt: Number(item.startedAt),
      late: typeof item.late === "number" ? item.late : undefined,
      done: new Set([...((item.done as Set<number> | undefined) ?? [])].map(Number)),
      buckets: Number(item.buckets ?? 0),
      resources: Number(item.resources ?? 0),
      mergedAt: typeof item.mergedAt === "number" ? item.mergedAt : undefined,
    };
  }

  export async function find(hour: number): Promise<Round | undefined> {
    const item = await getItem(Keys.rollupRound(hour), true);
    return item ? toRound(item) : undefined;
  }

  const expiry = (hour: number) => hour + HOUR + Config.get().retentionDays.raw * DAY;

  const tasksOf = (round: Round, shards: number[]) =>
    shards.map((shard) => ({ hour: round.hour, shard, round: round.round }));

  /**
   * The round that rolls `hour` (again, for the late marker `late`), and the shard tasks it still
   * needs. An unfinished round for the same reason is resumed: only its missing shards are handed out.
   */
  export async function open(hour: number, late?: number): Promise<{ round: Round; tasks: Task[] }> {
    for (let attempt = 0; ; attempt++) {
      const existing = await find(hour);
      if (existing && existing.mergedAt === undefined && existing.late === late) {
        const missing = Array.from({ length: METRIC_SHARDS }, (_, s) => s).filter(
          (s) => !existing.done.has(s),
        );
        // Every shard done but the hour not completed: its last worker died in the merge step.
        if (missing.length === 0) await complete(hour, existing.round);
        return { round: existing, tasks: tasksOf(existing, missing) };
      }
      const round: Round = {
        hour,
        round: randomUUID(),
        startedAt: Clock.now(),
        late,
        done: new Set(),
        buckets: 0,
        resources: 0,
      };
      const put = await ifConditionHolds(() =>
        Db.client().send(
          new PutCommand({
            TableName: Db.table(),
            Item: {
              ...Keys.rollupRound(hour),
              type: "RollupRound",
              v: 1,
              hour,
              round: round.round,
              startedAt: round.startedAt,
              ...(late === undefined ? {} : { late }),
              shards: METRIC_SHARDS,
              buckets: 0,
              resources: 0,
              expiresAt: expiry(hour),
            },
            // Replaces only the round it read: two runs opening the hour at once end with one round.
            ConditionExpression: existing ? "#round = :old" : "attribute_not_exists(pk)",
            ...(existing
              ? {
                  ExpressionAttributeNames: { "#round": "round" },
                  ExpressionAttributeValues: { ":old": existing.round },
                }
              : {}),
          }),
        ),
      );
      if (put)
        return {
          round,
          tasks: tasksOf(
            round,
            Array.from({ length: METRIC_SHARDS }, (_, s) => s),
          ),
        };
      if (attempt === 4) throw new Error(`rollup round for ${hour} kept changing under this run`);
    }
  }

  /** One shard of one hour: the shard worker's whole job (functions/cron/rollup-shard.ts runs it). */
  export async function roll(task: Task): Promise<Outcome> {
    const t0 = performance.now();
    const none = (status: Outcome["status"]): Outcome => ({
      status,
      resources: 0,
      buckets: 0,
      ms: performance.now() - t0,
    });
    const round = await find(task.hour);
    // A task of a round rolled again since: the newer round has its own tasks.
    if (round?.round !== task.round) return none("superseded");
    if (round.done.has(task.shard)) {
      if (round.done.size === METRIC_SHARDS && round.mergedAt === undefined)
        await complete(task.hour, task.round);
      return none("replayed");
    }
    const folded = await foldShard(task);
    const after = await markDone(task, folded);
    if (after === "superseded") {
      // A newer round may have written this shard's buckets before these older ones landed: have the
      // hour rolled again rather than leave it as this worker saw it.
      log.warn("rollup shard finished after its round was replaced; the hour is marked late", task);
      await RollupMarks.markLate("hourly", task.hour);
      return { ...none("superseded"), ...folded };
    }
    const ms = performance.now() - t0;
    if (after === "replayed") return { status: "replayed", ...folded, ms };
    const completed = await complete(task.hour, task.round, after);
    return {
      status: "rolled",
      ...folded,
      ms,
      ...(completed ? { completeMs: performance.now() - t0 - ms } : {}),
    };
  }

  const isEndpoint = (resourceId: string) => resourceId.startsWith("vpce-");

  /** The shard's minutes, read once: endpoints folded as they come, services' minutes summed. */
  async function foldShard(task: Task): Promise<{ resources: number; buckets: number }> {
    const endpoints = new Map<string, BucketValues>();
    const sums = new RollupFold.ServiceSums();
    const own = new Map<string, Record<string, unknown>[]>();
    const items = queryAll({
      IndexName: "gsi3",
      KeyConditionExpression: "gsi3pk = :pk",
      ExpressionAttributeValues: { ":pk": Keys.metricHourShard(task.hour, task.shard) },
    });
    for await (const item of items) {
      const id = String(item.resourceId);
      sums.addEndpointMinutes([item]);
      if (isEndpoint(id)) endpoints.set(id, RollupFold.foldItem("hourly", endpoints.get(id) ?? {}, item));
      else own.set(id, [...(own.get(id) ?? []), minuteOf(item)]);
    }
    const puts: Record<string, unknown>[] = [];
    for (const [id, values] of endpoints)
      if (Object.keys(values).length > 0) puts.push(RollupFold.bucketItem("hourly", id, task.hour, values));
    const buckets = puts.length;
    const services = sums.services();
    for (const id of new Set([...services.keys(), ...own.keys()])) {
      puts.push({
        ...Keys.rollupPart(task.hour, task.shard, id),
        type: "RollupPart",
        v: 1,
        round: task.round,
        resourceId: id,
        t: task.hour,
        sums: (services.get(id) ?? []).map(({ resourceId: _, ...minute }) => minute),
        own: own.get(id) ?? [],
        expiresAt: expiry(task.hour),
      });
    }
    await batchPut(puts, `rollup hourly ${task.hour} shard ${task.shard}`, WRITES_IN_FLIGHT);
    return { resources: endpoints.size, buckets };
  }

  /** A service's own (stream) minute as a part keeps it: its time and its stored values. */
  function minuteOf(item: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(item).filter(([k]) => k === "t" || k.startsWith("m_") || k.startsWith("n_")),
    );
  }

  /** Adds the shard to its round, once: the round as it is after, or why not. */
  async function markDone(
    task: Task,
    folded: { resources: number; buckets: number },
  ): Promise<Round | "superseded" | "replayed"> {
    const out = await ifConditionHolds(() =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.rollupRound(task.hour),
          UpdateExpression: "ADD done :shard, buckets :b, resources :r",
          ConditionExpression: "#round = :round AND NOT contains(done, :n)",
          ExpressionAttributeNames: { "#round": "round" },
          ExpressionAttributeValues: {
            ":shard": new Set([task.shard]),
            ":n": task.shard,
            ":b": folded.buckets,
            ":r": folded.resources,
            ":round": task.round,
          },
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    if (out?.Attributes) return toRound(out.Attributes);
    const now = await find(task.hour);
    return now?.round === task.round ? "replayed" : "superseded";
  }

  /**
   * The step that completes an hour once all its shards are done: services' buckets from the parts,
   * the round marked merged, its late marker cleared, the watermark moved. Safe to run twice. Every
   * shard of the round rewrote its parts; a part a replaced round's worker wrote late is summed too, but
   * that worker has marked the hour late, so the hour is rolled again.
   */
  export async function complete(hour: number, roundId: string, known?: Round): Promise<boolean> {
    const round = known ?? (await find(hour));
    // Not the last shard: the hour is the last one's to complete.
    if (round?.round !== roundId || round.done.size < METRIC_SHARDS) return false;
    // Parts are added shard by shard, in order: the same sums whichever worker completes the hour.
    const perShard = await Promise.all(
      Array.from({ length: METRIC_SHARDS }, (_, shard) =>
        collect(
          queryAll({
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": Keys.rollupParts(hour, shard) },
            ConsistentRead: true,
          }),
        ),
      ),
    );
    const sums = new RollupFold.ServiceSums();
    const own = new Map<string, Record<string, unknown>[]>();
    for (const part of perShard.flat()) {
      const id = String(part.resourceId);
      sums.addSums(id, part.sums as Record<string, unknown>[]);
      own.set(id, [...(own.get(id) ?? []), ...(part.own as Record<string, unknown>[])]);
    }
    const rebuilt = sums.services();
    const puts: Record<string, unknown>[] = [];
    for (const id of own.keys()) {
      // Rebuilt from its endpoints where it has any; otherwise its own minutes, as one invocation does.
      const values = RollupFold.foldBucket("hourly", rebuilt.get(id) ?? own.get(id) ?? []);
      if (Object.keys(values).length > 0) puts.push(RollupFold.bucketItem("hourly", id, hour, values));
    }
    await batchPut(puts, `rollup hourly ${hour} services`, WRITES_IN_FLIGHT);
    // An hour rolled again after its day was rolled makes that day late too.
    const day = floorTo(hour, DAY);
    const dailyMark = await RollupMarks.watermark("daily");
    if (dailyMark !== undefined && day <= dailyMark && round.buckets + puts.length > 0)
      await RollupMarks.markLate("daily", day);
    const merged = await ifConditionHolds(() =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.rollupRound(hour),
          UpdateExpression: "SET mergedAt = :now ADD buckets :b, resources :r",
          ConditionExpression: "#round = :round AND attribute_not_exists(mergedAt)",
          ExpressionAttributeNames: { "#round": "round" },
          ExpressionAttributeValues: {
            ":now": Clock.now(),
            ":b": puts.length,
            ":r": own.size,
            ":round": roundId,
          },
        }),
      ),
    );
    // Another completer merged it (go on: the rest is idempotent), or a newer round replaced this one.
    if (!merged && (await find(hour))?.round !== roundId) return false;
    if (round.late !== undefined) await RollupMarks.clearLate("hourly", hour, round.late);
    await advanceWatermark();
    return true;
  }

  /**
   * Moves the hourly watermark over every following hour whose round is merged, one hour at a time and
   * only from where it is: hours complete out of order, and the watermark waits for the first gap.
   */
  export async function advanceWatermark(): Promise<number | undefined> {
    for (;;) {
      const mark = await RollupMarks.item("hourly");
      const last = mark?.last as number | undefined;
      const next = last !== undefined ? last + HOUR : (mark?.start as number | undefined);
      if (next === undefined) return last;
      const round = await find(next);
      if (round?.mergedAt === undefined) return last;
      await RollupMarks.step("hourly", last, next);
    }
  }
}

import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call, ifConditionHolds } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { getItem } from "../db/page.ts";
import { ConflictError } from "../errors.ts";
import { Clock } from "../util/time.ts";

/**
 * The rollups' bookkeeping: the watermark (the last period rolled, the period a run is reading) and the
 * late markers (periods to roll again). Shared by the single-invocation rollup and the hourly fan-out.
 */
export namespace RollupMarks {
  export type Kind = "hourly" | "daily";

  /** A conditional write that found the work already done (a newer watermark, a newer late marker). */
  export class Stale extends ConflictError {
    constructor() {
      super("Stale", "already superseded");
    }
  }

  export function ignoreStale(error: unknown): undefined {
    if (error instanceof Stale) return undefined;
    throw error;
  }

  /** The watermark item: `last` rolled, `rolling` being read, `start` where a first fan-out began. */
  export async function item(kind: Kind): Promise<Record<string, unknown> | undefined> {
    return getItem(Keys.rollupWatermark(kind), true);
  }

  export async function watermark(kind: Kind): Promise<number | undefined> {
    return (await item(kind))?.last as number | undefined;
  }

  /**
   * Records the latest period a run has started to read (ingest marks data for it late from now on).
   * `start`, on a first run, is the first period it rolls: the hourly fan-out moves the watermark from
   * there, one completed hour after another.
   */
  export async function markRolling(kind: Kind, period: number, start?: number): Promise<void> {
    await call(() =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.rollupWatermark(kind),
          UpdateExpression: `SET #type = :type, v = :v, rolling = :p${start === undefined ? "" : ", #start = if_not_exists(#start, :start)"}`,
          ExpressionAttributeNames: {
            "#type": "type",
            ...(start === undefined ? {} : { "#start": "start" }),
          },
          ExpressionAttributeValues: {
            ":type": "RollupWatermark",
            ":v": 1,
            ":p": period,
            ...(start === undefined ? {} : { ":start": start }),
          },
        }),
      ),
    );
  }

  /** Moves the watermark to `period` unless it is there or further already. */
  export async function advance(kind: Kind, period: number): Promise<void> {
    await call(
      () =>
        Db.client().send(
          new UpdateCommand({
            TableName: Db.table(),
            Key: Keys.rollupWatermark(kind),
            UpdateExpression: "SET #type = :type, v = :v, #last = :p",
            ConditionExpression: "attribute_not_exists(#last) OR #last < :p",
            ExpressionAttributeNames: { "#type": "type", "#last": "last" },
            ExpressionAttributeValues: { ":type": "RollupWatermark", ":v": 1, ":p": period },
          }),
        ),
      { onConditionFailed: () => new Stale() },
    ).catch(ignoreStale);
  }

  /**
   * Moves the watermark from `from` (undefined: none yet) to `period`, only if it still is at `from`:
   * false when another completer moved it meanwhile.
   */
  export async function step(kind: Kind, from: number | undefined, period: number): Promise<boolean> {
    const moved = await ifConditionHolds(() =>
      Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.rollupWatermark(kind),
          UpdateExpression: "SET #type = :type, v = :v, #last = :p",
          ConditionExpression: from === undefined ? "attribute_not_exists(#last)" : "#last = :from",
          ExpressionAttributeNames: { "#type": "type", "#last": "last" },
          ExpressionAttributeValues: {
            ":type": "RollupWatermark",
            ":v": 1,
            ":p": period,
            ...(from === undefined ? {} : { ":from": from }),
          },
        }),
      ),
    );
    return moved !== undefined;
  }

  export async function lateMarkers(kind: Kind): Promise<Array<{ start: number; markedAt: number }>> {
    const out = await call(() =>
      Db.client().send(
        new QueryCommand({
          TableName: Db.table(),
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": Keys.latePartition(kind) },
          ConsistentRead: true,
        }),
      ),
    );
    return (out.Items ?? []).map((i) => ({ start: Number(i.start), markedAt: Number(i.markedAt) }));
  }

  /** Marks a period to be rolled again by the next run. */
  export async function markLate(kind: Kind, start: number): Promise<void> {
    await call(() =>
      Db.client().send(
        new PutCommand({
          TableName: Db.table(),
          Item: { ...Keys.lateMarker(kind, start), type: "LateMarker", v: 1, start, markedAt: Clock.now() },
        }),
      ),
    );
  }

  /** Deletes a late marker a run handled, unless it was marked again meanwhile (left for the next run). */
  export async function clearLate(kind: Kind, start: number, markedAt: number): Promise<void> {
    await call(
      () =>
        Db.client().send(
          new DeleteCommand({
            TableName: Db.table(),
            Key: Keys.lateMarker(kind, start),
            ConditionExpression: "markedAt = :m",
            ExpressionAttributeValues: { ":m": markedAt },
          }),
        ),
      { onConditionFailed: () => new Stale() },
    ).catch(ignoreStale);
  }

  /**
   * The latest period a run has started to read: data arriving for it from now on may be missed by that
   * run, so ingest treats it as late (it reads this after its own writes).
   */
  export async function covered(kind: Kind): Promise<number | undefined> {
    const marks = await item(kind);
    const values = [marks?.last, marks?.rolling].filter((v): v is number => typeof v === "number");
    return values.length ? Math.max(...values) : undefined;
  }

  /**
   * Of the hours just written, those an hourly rollup has started to read (or finished): they need a
   * late marker. Call it after the writes.
   */
  export async function lateAmong(hours: Iterable<number>): Promise<number[]> {
    const list = [...hours];
    const mark = list.length ? await covered("hourly") : undefined;
    return mark === undefined ? [] : list.filter((h) => h <= mark);
  }
}

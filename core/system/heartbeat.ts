import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call, translateSdkError } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";

/**
 * A beat written by the `heartbeat` job and observed by the stream consumer proves the whole
 * asynchronous path (scheduler → table → stream → consumer) is alive, and measures its lag.
 * `GET /health` reports it.
 */
export namespace Heartbeat {
  export interface Status {
    beatAt: string | null;
    seenAt: string | null;
    /** Milliseconds from the beat being written to the stream consumer seeing it. */
    streamLagMs: number | null;
  }

  export async function beat(at: Date): Promise<string> {
    const beatAt = at.toISOString();
    await call(() =>
      Db.client().send(
        new PutCommand({
          TableName: Db.table(),
          Item: { ...Keys.heartbeat(), type: "Heartbeat", v: 1, beatAt },
        }),
      ),
    );
    return beatAt;
  }

  /**
   * Records that the stream consumer saw a beat. Only a newer beat moves the record forward, so a
   * replayed stream batch changes nothing.
   */
  export async function observe(beatAt: string, seenAt: Date): Promise<boolean> {
    try {
      await Db.client().send(
        new UpdateCommand({
          TableName: Db.table(),
          Key: Keys.heartbeatSeen(),
          UpdateExpression:
            "SET #type = :type, v = :v, beatAt = :beatAt, seenAt = :seenAt, streamLagMs = :lag",
          ConditionExpression: "attribute_not_exists(beatAt) OR beatAt < :beatAt",
          ExpressionAttributeNames: { "#type": "type" },
          ExpressionAttributeValues: {
            ":type": "HeartbeatSeen",
            ":v": 1,
            ":beatAt": beatAt,
            ":seenAt": seenAt.toISOString(),
            ":lag": Math.max(0, seenAt.getTime() - Date.parse(beatAt)),
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw translateSdkError(error);
    }
  }

  /** How long `recent` answers from the last read: a load balancer's health check costs no table read per call. */
  export const RECENT_MS = 1_000;
  let last: { client: unknown; at: number; status: Promise<Status> } | undefined;

  /**
   * `status()`, read at most once per RECENT_MS per process (and once, not once each, for calls that
   * arrive while a read is in flight). A failed read is not kept: the next call reads again, so a table
   * that stops answering shows at the next call after it failed. Durations use the monotonic clock.
   */
  export function recent(): Promise<Status> {
    const client = Db.client();
    const now = performance.now();
    if (last && last.client === client && now - last.at < RECENT_MS) return last.status;
    const entry = { client, at: now, status: status() };
    last = entry;
    entry.status.catch(() => {
      if (last === entry) last = undefined;
    });
    return entry.status;
  }

  export async function status(): Promise<Status> {
    const [beat, seen] = await Promise.all(
      [Keys.heartbeat(), Keys.heartbeatSeen()].map((Key) =>
        call(() => Db.client().send(new GetCommand({ TableName: Db.table(), Key }))),
      ),
    );
    return {
      beatAt: (beat?.Item?.beatAt as string | undefined) ?? null,
      seenAt: (seen?.Item?.seenAt as string | undefined) ?? null,
      streamLagMs: (seen?.Item?.streamLagMs as number | undefined) ?? null,
    };
  }
}

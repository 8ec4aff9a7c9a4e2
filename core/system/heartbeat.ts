import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call, translateSdkError } from "../db/errors.ts";
import { Keys } from "../db/keys.ts";

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

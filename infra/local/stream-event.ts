import type { _Record as StreamRecord } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord } from "aws-lambda";

/*
 * What the local event source mappings (stream-poller.ts) hand the stream handlers: a stream record as
 * Lambda delivers it, and what a tumbling window adds to the event, so the handlers run locally on the
 * same shapes as in AWS.
 */

/**
 * The streams client deserializes an empty map attribute (`{"M": {}}`) as a bare `{}`, which no
 * unmarshaller accepts; Lambda delivers `{"M": {}}`. Put the wire shape back, at any depth.
 */
export function restoreEmptyMaps(
  image: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!image) return image;
  const fix = (value: unknown): unknown => {
    if (value === null || typeof value !== "object") return value;
    const attr = value as Record<string, unknown>;
    const keys = Object.keys(attr).filter((k) => attr[k] !== undefined && k !== "$unknown");
    if (keys.length === 0) return { M: {} };
    if (attr.M && typeof attr.M === "object")
      return { M: restoreEmptyMaps(attr.M as Record<string, unknown>) };
    if (Array.isArray(attr.L)) return { L: attr.L.map(fix) };
    return value;
  };
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fix(v)]));
}

/** A stream record as Lambda's DynamoDB event source mapping delivers it. */
export function toLambdaRecord(record: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  // On the wire: seconds since the epoch (a Date only if the SDK has read it).
  const created = d.ApproximateCreationDateTime as Date | number | undefined;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord["eventName"],
    eventVersion: record.eventVersion ?? "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: record.awsRegion ?? region,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime:
        created === undefined
          ? undefined
          : Math.floor(typeof created === "number" ? created : created.getTime() / 1000),
      Keys: restoreEmptyMaps(d.Keys) as never,
      NewImage: restoreEmptyMaps(d.NewImage) as never,
      OldImage: restoreEmptyMaps(d.OldImage) as never,
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType as NonNullable<DynamoDBRecord["dynamodb"]>["StreamViewType"],
    },
  };
}

/** What a tumbling window adds to Lambda's event (functions/streams/metrics.ts reads `shardId`). */
export function tumblingWindow(shardId: string, streamArn: string, seconds: number, now: number) {
  const size = seconds * 1000;
  const start = Math.floor(now / size) * size;
  return {
    shardId,
    eventSourceARN: streamArn,
    window: { start: new Date(start).toISOString(), end: new Date(start + size).toISOString() },
    state: {},
    isFinalInvokeForWindow: false,
    isWindowTerminatedEarly: false,
  };
}

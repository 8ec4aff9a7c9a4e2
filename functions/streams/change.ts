import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import type { EntityType } from "../../core/db/keys.ts";
import type { Change } from "../../core/stream/change.ts";

const KINDS = { INSERT: "insert", MODIFY: "modify", REMOVE: "remove" } as const;

export function toChange(record: DynamoDBRecord): Change {
  const d = record.dynamodb ?? {};
  // Lambda's AttributeValue type and the SDK's are the same wire shape under two declarations.
  const image = (i: unknown) => (i ? unmarshall(i as Record<string, AttributeValue>) : undefined);
  const newImage = image(d.NewImage);
  const oldImage = image(d.OldImage);
  const keys = image(d.Keys) as { pk: string; sk: string };
  const entity = (newImage?.type ?? oldImage?.type ?? "Unknown") as EntityType | "Unknown";
  return {
    kind: KINDS[record.eventName ?? "MODIFY"],
    entity,
    keys,
    newImage,
    oldImage,
    sequence: d.SequenceNumber ?? record.eventID ?? "",
    at: new Date((d.ApproximateCreationDateTime ?? 0) * 1000),
  };
}

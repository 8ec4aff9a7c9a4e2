import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { EntityType } from "../../core/db/keys.ts";
import type { Change, Consumer } from "../../core/stream/change.ts";
import { log } from "../../core/util/log.ts";
import { consumers as registered } from "./consumers.ts";

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

/**
 * Builds a stream handler over a list of consumers. Records are handled in order; at the first failure
 * that record and every one after it are reported in `batchItemFailures`, so the event source retries
 * from there and a later change to the same item never overtakes an earlier one that failed.
 */
export function createStreamHandler(consumers: Consumer[]) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const records = event.Records ?? [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as DynamoDBRecord;
      const change = toChange(record);
      const interested = consumers.filter(
        (c) => change.entity !== "Unknown" && c.entities.includes(change.entity),
      );
      try {
        for (const consumer of interested) await consumer.handle(change);
        log.debug("stream change handled", {
          entity: change.entity,
          kind: change.kind,
          sequence: change.sequence,
        });
      } catch (error) {
        log.error("stream consumer failed; the batch is retried from this record", {
          entity: change.entity,
          sequence: change.sequence,
          remaining: records.length - i,
          error,
        });
        return {
          batchItemFailures: records
            .slice(i)
            .map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? r.eventID ?? "" })),
        };
      }
    }
    return { batchItemFailures: [] };
  };
}

/** The Lambda entry point: the table's stream, every registered consumer. */
export const handler = createStreamHandler(registered);

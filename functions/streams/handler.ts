import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { Consumer } from "../../core/stream/change.ts";
import { log } from "../../core/util/log.ts";
import { toChange } from "./change.ts";
import { consumers as registered } from "./consumers.ts";

export { toChange };

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

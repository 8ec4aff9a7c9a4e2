import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { ServiceMinutes } from "../../core/metrics/service-minutes.ts";
import { log } from "../../core/util/log.ts";
import { toChange } from "./change.ts";

/**
 * The event of an event source mapping with a tumbling window: Lambda then names the shard the batch
 * comes from, which the service-minute guard needs (a plain stream event does not say it).
 */
export interface ShardStreamEvent extends DynamoDBStreamEvent {
  shardId?: string;
  state?: Record<string, string>;
  isFinalInvokeForWindow?: boolean;
}

/** With a tumbling window, an answer without `state` counts as a failed invocation. */
export type ShardStreamResponse = DynamoDBBatchResponse & { state: Record<string, string> };

/**
 * The metric stream's consumer (its own event source mapping, infra/plan.ts `metricStreamConsumer`):
 * endpoint minutes in, service minutes kept as their sums. When some service minutes could not be
 * written, the batch is reported failed from the lowest record of those, so only the rest of it is
 * delivered again (what of that was added already is skipped by the guard); anything else that throws
 * fails it from its first record.
 */
export async function handler(event: ShardStreamEvent): Promise<ShardStreamResponse> {
  const records = event.Records ?? [];
  // The window's closing invocation carries no records; nothing is kept in its state.
  if (records.length === 0) return { state: {}, batchItemFailures: [] };
  if (!event.shardId)
    throw new Error("metric stream: the event names no shard (the mapping needs a tumbling window)");
  try {
    const { added, replayed, failedFrom } = await ServiceMinutes.apply(event.shardId, records.map(toChange));
    log.debug("service minutes updated", { shard: event.shardId, added, replayed });
    return { state: {}, batchItemFailures: failedFrom ? [{ itemIdentifier: failedFrom }] : [] };
  } catch (error) {
    log.error("metric stream batch failed; it is retried whole", { shard: event.shardId, error });
    const first = records[0]?.dynamodb?.SequenceNumber ?? records[0]?.eventID ?? "";
    return { state: {}, batchItemFailures: [{ itemIdentifier: first }] };
  }
}

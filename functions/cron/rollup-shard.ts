import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { RollupShards } from "../../core/metrics/rollup-shards.ts";
import { log } from "../../core/util/log.ts";

/**
 * The hourly rollup's shard worker in AWS: each SQS record is one shard of one hour (the rollup-hourly
 * job sends them, infra/plan.ts `rollupShardWorker`). A record delivered again finds its shard done and
 * writes nothing; one whose worker failed or timed out comes back after the visibility timeout and its
 * shard is folded again (deterministic Puts). The local runtime runs the same `RollupShards.roll`.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const task = RollupShards.Task.safeParse(body);
    if (!task.success) {
      log.warn("rollup queue record is not a shard task; dropped", { messageId: record.messageId });
      continue;
    }
    try {
      const outcome = await RollupShards.roll(task.data);
      log.info("rollup shard", { ...task.data, ...outcome });
    } catch (error) {
      log.error("rollup shard failed; SQS delivers it again", { ...task.data, error });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

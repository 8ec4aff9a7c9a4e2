import { functionArgs } from "./environment";
import { rollupShardWorker } from "./plan";
import { rollupShardQueue } from "./queue";

/** The shard workers: one task an invocation, a failed one reported back for SQS to deliver again. */
rollupShardQueue.subscribe(
  { ...functionArgs(rollupShardWorker.handler, rollupShardWorker.links), timeout: rollupShardWorker.timeout },
  {
    batch: { size: rollupShardWorker.batchSize, partialResponses: true },
    transform: {
      eventSourceMapping: { scalingConfig: { maximumConcurrency: rollupShardWorker.maxConcurrency } },
    },
  },
);

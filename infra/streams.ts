import { functionArgs } from "./environment";
import { streamConsumer } from "./plan";
import { table } from "./table";

/** The stream consumer, with partial batch responses and retries as the local poller does them. */
table.subscribe(
  "StreamConsumer",
  { ...functionArgs(streamConsumer.handler, streamConsumer.links), timeout: "60 seconds" },
  {
    filters: streamConsumer.filters,
    transform: {
      eventSourceMapping: {
        batchSize: streamConsumer.batchSize,
        startingPosition: streamConsumer.startingPosition,
        maximumRetryAttempts: streamConsumer.maximumRetryAttempts,
        bisectBatchOnFunctionError: streamConsumer.bisectBatchOnFunctionError,
        functionResponseTypes: [...streamConsumer.functionResponseTypes],
      },
    },
  },
);

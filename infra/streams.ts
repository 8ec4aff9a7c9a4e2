import { functionArgs } from "./environment";
import { metricStreamConsumer, streamConsumer } from "./plan";
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

/**
 * Endpoint metric minutes summed into service minutes: its own mapping (and batch size), with a
 * tumbling window so that each event names its shard (the consumer's replay guard is per shard).
 */
table.subscribe(
  "MetricStreamConsumer",
  { ...functionArgs(metricStreamConsumer.handler, metricStreamConsumer.links), timeout: "120 seconds" },
  {
    filters: metricStreamConsumer.filters,
    transform: {
      eventSourceMapping: {
        batchSize: metricStreamConsumer.batchSize,
        startingPosition: metricStreamConsumer.startingPosition,
        maximumRetryAttempts: metricStreamConsumer.maximumRetryAttempts,
        functionResponseTypes: [...metricStreamConsumer.functionResponseTypes],
        tumblingWindowInSeconds: metricStreamConsumer.tumblingWindowInSeconds,
      },
    },
  },
);

import { functionArgs } from "./environment";
import { webhookDelivery } from "./plan";
import { webhookQueue } from "./queue";

/** The delivery consumer: ten jobs a batch, failed ones reported back one by one (partial batch response). */
webhookQueue.subscribe(
  { ...functionArgs(webhookDelivery.handler, webhookDelivery.links), timeout: webhookDelivery.timeout },
  { batch: { size: webhookDelivery.batchSize, partialResponses: true } },
);

import type { LinkName } from "../core/links";
import { LAMBDA_RUNTIME, NODEJS_BUILD } from "./plan";
import { rollupQueueLink, webhookQueueLink } from "./queue";
import { encryptionKey, ingestToken, operatorToken } from "./secrets";
import { exportBucketLink } from "./storage";
import { table } from "./table";

/** Each link name of core/links.ts, as the component that supplies it. */
const components = {
  Table: table,
  OperatorToken: operatorToken,
  IngestToken: ingestToken,
  EncryptionKey: encryptionKey,
  ExportBucket: exportBucketLink,
  WebhookQueue: webhookQueueLink,
  RollupQueue: rollupQueueLink,
} satisfies Record<LinkName, unknown>;

/**
 * What a Linkplane function gets: the pinned runtime, the links it needs (and so only their IAM
 * permissions), and plain settings. Secrets are not here: they are read through the links at run time.
 */
export function functionArgs(handler: string, links: LinkName[], install: string[] = []) {
  return {
    handler,
    runtime: LAMBDA_RUNTIME,
    architecture: "arm64",
    memory: "1024 MB",
    link: links.map((name) => components[name]),
    nodejs: { ...NODEJS_BUILD, install },
    environment: {
      LINKPLANE_REGIONS: process.env.LINKPLANE_REGIONS ?? "ap-guangzhou,ap-shanghai,ap-beijing,ap-singapore",
    },
  } satisfies sst.aws.FunctionArgs;
}

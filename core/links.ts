import { Resource } from "sst/resource";

/**
 * What SST links supply in AWS, by link name: the configuration variable each one fills and the field
 * of the linked resource that holds it. Secrets reach a function only this way (SST's encrypted
 * resource file, opened with `SST_KEY`), never as plain environment variables. `infra/` names its
 * components after these keys, so a renamed link fails the type-check instead of a deploy.
 */
export const LINKS = {
  Table: { variable: "LINKPLANE_TABLE", field: "name" },
  OperatorToken: { variable: "LINKPLANE_OPERATOR_TOKEN", field: "value" },
  IngestToken: { variable: "LINKPLANE_INGEST_TOKEN", field: "value" },
  EncryptionKey: { variable: "LINKPLANE_ENCRYPTION_KEY", field: "value" },
  ExportBucket: { variable: "LINKPLANE_EXPORT_BUCKET", field: "name" },
  WebhookQueue: { variable: "LINKPLANE_WEBHOOK_QUEUE_URL", field: "url" },
  RollupQueue: { variable: "LINKPLANE_ROLLUP_QUEUE_URL", field: "url" },
} as const;

export type LinkName = keyof typeof LINKS;

/**
 * The variables the linked resources supply, from `resources` (SST's `Resource` by default). A link
 * that is absent (locally, or not granted to this function) supplies nothing.
 *
 * @example linkedEnvironment({ Table: { name: "t" } }) // → { LINKPLANE_TABLE: "t" }
 */
export function linkedEnvironment(resources: object = Resource): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, { variable, field }] of Object.entries(LINKS)) {
    if (!(name in resources)) continue;
    const value = (resources as Record<string, Record<string, unknown> | undefined>)[name]?.[field];
    if (typeof value === "string" && value !== "") out[variable] = value;
  }
  return out;
}

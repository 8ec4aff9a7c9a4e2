import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * The one table, described once. The local runtime and the tests create it from `createTableInput`;
 * `infra/table.ts` feeds the same description to SST. Key attributes are generic (`pk`/`sk`/`gsiNpk`/
 * `gsiNsk`); what each holds per entity is decided in `keys.ts` and listed in docs/data-model.md.
 */
export const TableDefinition = {
  fields: {
    pk: "string",
    sk: "string",
    gsi1pk: "string",
    gsi1sk: "string",
    gsi2pk: "string",
    gsi2sk: "string",
    gsi3pk: "string",
    gsi3sk: "string",
  },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: {
    /** Scoped listings: one account's resources of one type in one region, newest first. */
    gsi1: { hashKey: "gsi1pk", rangeKey: "gsi1sk" },
    /** Second listings and alternate lookups: across regions, by parent, by foreign key. */
    gsi2: { hashKey: "gsi2pk", rangeKey: "gsi2sk" },
    /** Relations: a service's connections, the services an account may connect to. */
    gsi3: { hashKey: "gsi3pk", rangeKey: "gsi3sk" },
  },
  stream: "new-and-old-images",
  ttl: "expiresAt",
} as const;

export type IndexName = keyof typeof TableDefinition.globalIndexes;

export function createTableInput(tableName: string): CreateTableCommandInput {
  const { primaryIndex, globalIndexes, fields } = TableDefinition;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: Object.keys(fields).map((name) => ({ AttributeName: name, AttributeType: "S" })),
    KeySchema: [
      { AttributeName: primaryIndex.hashKey, KeyType: "HASH" },
      { AttributeName: primaryIndex.rangeKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: Object.entries(globalIndexes).map(([IndexName, index]) => ({
      IndexName,
      KeySchema: [
        { AttributeName: index.hashKey, KeyType: "HASH" },
        { AttributeName: index.rangeKey, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  };
}

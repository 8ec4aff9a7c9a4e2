import { TableDefinition } from "../core/db/table";

/** The one table, from the shared definition (core/db/table.ts). */
export const table = new sst.aws.Dynamo("Table", {
  fields: TableDefinition.fields,
  primaryIndex: TableDefinition.primaryIndex,
  globalIndexes: TableDefinition.globalIndexes,
  stream: TableDefinition.stream,
  ttl: TableDefinition.ttl,
});

import { BatchGetCommand, QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { InvalidParameterError } from "../errors.ts";
import { Db } from "./client.ts";
import { call } from "./errors.ts";
import { type IndexName, TableDefinition } from "./table.ts";

/** The page parameters every list route takes. */
export const PageParams = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2048).optional(),
});
export type PageParams = z.infer<typeof PageParams>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageQuery {
  index?: IndexName;
  /** Value of the partition key of the index (or of the table). */
  partition: string;
  /** Optional `begins_with` on the sort key. */
  sortPrefix?: string;
  /** Newest first unless told otherwise: listings sort by `createdAt#id`. */
  forward?: boolean;
  filter?: Pick<
    QueryCommandInput,
    "FilterExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
  >;
  page: PageParams;
}

function keyNames(index: IndexName | undefined): string[] {
  const primary = TableDefinition.primaryIndex;
  const names: string[] = [primary.hashKey, primary.rangeKey];
  if (index) {
    const gsi = TableDefinition.globalIndexes[index];
    names.push(gsi.hashKey, gsi.rangeKey);
  }
  return names;
}

/**
 * One Query, one page. The cursor is the LastEvaluatedKey, base64url-encoded; on the way back it is
 * checked to be a key of this very query (same index, same partition), so a forged cursor is a 400 and
 * can never steer the query into another partition.
 */
export async function queryPage(q: PageQuery): Promise<Page<Record<string, unknown>>> {
  const hashKey = q.index
    ? TableDefinition.globalIndexes[q.index].hashKey
    : TableDefinition.primaryIndex.hashKey;
  const rangeKey = q.index
    ? TableDefinition.globalIndexes[q.index].rangeKey
    : TableDefinition.primaryIndex.rangeKey;
  const startKey = q.page.cursor ? decodeCursor(q.page.cursor, q.index, hashKey, q.partition) : undefined;
  const names: Record<string, string> = { "#pk": hashKey, ...q.filter?.ExpressionAttributeNames };
  const values: Record<string, unknown> = { ":pk": q.partition, ...q.filter?.ExpressionAttributeValues };
  let condition = "#pk = :pk";
  if (q.sortPrefix !== undefined) {
    names["#sk"] = rangeKey;
    values[":skp"] = q.sortPrefix;
    condition += " AND begins_with(#sk, :skp)";
  }
  const out = await call(() =>
    Db.query({
      TableName: Db.table(),
      IndexName: q.index,
      KeyConditionExpression: condition,
      FilterExpression: q.filter?.FilterExpression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: q.forward ?? false,
      Limit: q.page.limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return {
    items: (out.Items ?? []) as Record<string, unknown>[],
    nextCursor: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey) : null,
  };
}

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

function decodeCursor(
  cursor: string,
  index: IndexName | undefined,
  hashKey: string,
  partition: string,
): Record<string, string> {
  const invalid = () => InvalidParameterError.value("cursor", "is not a cursor this listing handed out");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed);
  const expected = keyNames(index);
  if (entries.length !== expected.length) throw invalid();
  for (const [name, value] of entries) {
    if (!expected.includes(name) || typeof value !== "string" || value.length === 0) throw invalid();
  }
  const key = parsed as Record<string, string>;
  if (key[hashKey] !== partition) throw invalid();
  return key;
}

/** Every item a Query matches, page after page (for work that needs all of them, not an API page). */
export async function* queryAll(
  input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">,
): AsyncGenerator<Record<string, unknown>> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await call(() =>
      Db.client().send(new QueryCommand({ ...input, TableName: Db.table(), ExclusiveStartKey: start })),
    );
    for (const item of out.Items ?? []) yield item as Record<string, unknown>;
    start = out.LastEvaluatedKey;
  } while (start);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** One item by key, or undefined. */
export async function getItem(
  key: { pk: string; sk: string },
  consistent = false,
): Promise<Record<string, unknown> | undefined> {
  return call(() => Db.getItem(key, consistent));
}

/**
 * Items by key, 100 keys a BatchGetItem; keys DynamoDB hands back unprocessed (it may, under load) are
 * asked for again, a few times. Missing items are simply absent from the answer.
 */
export async function batchGet(
  keys: Array<{ pk: string; sk: string }>,
  options: { consistent?: boolean; projection?: string; names?: Record<string, string> } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100).map((k) => ({ ...k }));
    for (let attempt = 0; pending && pending.length > 0 && attempt < 5; attempt++) {
      const request = {
        Keys: pending,
        ConsistentRead: options.consistent,
        ProjectionExpression: options.projection,
        ExpressionAttributeNames: options.names,
      };
      const out = await call(() =>
        Db.client().send(new BatchGetCommand({ RequestItems: { [Db.table()]: request } })),
      );
      found.push(...(out.Responses?.[Db.table()] ?? []));
      pending = out.UnprocessedKeys?.[Db.table()]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return found;
}

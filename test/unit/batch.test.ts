import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { batchPut, useBulkWrites } from "../../core/db/batch.ts";
import { Db } from "../../core/db/client.ts";
import { bulkWritesFor } from "../../infra/local/runtime.ts";

const ddb = mockClient(DynamoDBDocumentClient);
const items = Array.from({ length: 30 }, (_, i) => ({ pk: `P#${i}`, sk: "S" }));
const timeout = () => Object.assign(new Error("socket timed out"), { name: "TimeoutError" });

beforeEach(() => {
  ddb.reset();
  Db.use(DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })));
});
afterEach(() => {
  Db.use(undefined);
  useBulkWrites("batches");
});

describe("batchPut", () => {
  it("sends 25 items a request and resends what DynamoDB left unprocessed", async () => {
    // Prepare: the first answer leaves one item unprocessed.
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [Db.table()]: [{ PutRequest: { Item: items[0] } }] } })
      .resolves({});
    // Act
    await batchPut(items, "test");
    // Assess
    const sizes = ddb
      .commandCalls(BatchWriteCommand)
      .map((c) => (c.args[0].input.RequestItems?.[Db.table()] ?? []).length);
    expect(sizes).toEqual([25, 1, 5]);
    // Bulk work may wait on a busy table longer than a request's 2 s.
    expect((ddb.commandCalls(BatchWriteCommand)[0]?.args as unknown[] | undefined)?.[1]).toEqual({
      requestTimeout: 30_000,
    });
  });

  it("spreads the items evenly over the batches in flight, so no round ends with a few workers busy", async () => {
    // Prepare: a full ingest request, 1,000 items, with 32 batches in flight.
    ddb.on(BatchWriteCommand).resolves({});
    const many = Array.from({ length: 1000 }, (_, i) => ({ pk: `P#${i}`, sk: "S" }));
    // Act
    await batchPut(many, "test", 32);
    // Assess: two rounds of 16-item batches, not 32 batches of 25 and then 8 more.
    const sizes = ddb
      .commandCalls(BatchWriteCommand)
      .map((c) => (c.args[0].input.RequestItems?.[Db.table()] ?? []).length);
    expect(Math.max(...sizes)).toBe(16);
    expect(sizes).toHaveLength(63);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it("sends a batch again when the table timed out, since its puts are whole and blind", async () => {
    ddb.on(BatchWriteCommand).rejectsOnce(timeout()).resolves({});
    await batchPut(items.slice(0, 10), "test");
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(2);
  });

  it("gives up after 8 tries, and at once on an error that is not the table's load", {
    timeout: 20_000,
  }, async () => {
    ddb.on(BatchWriteCommand).rejects(timeout());
    await expect(batchPut(items.slice(0, 10), "test")).rejects.toThrow(/did not answer/);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(8);
    ddb.reset();
    ddb.on(BatchWriteCommand).rejects(Object.assign(new Error("bad item"), { name: "ValidationException" }));
    await expect(batchPut(items.slice(0, 10), "test")).rejects.toThrow();
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(1);
  });
});

describe("batchPut as transactions (DynamoDB Local on disk)", () => {
  const many = Array.from({ length: 230 }, (_, i) => ({ pk: `P#${i}`, sk: "S" }));
  const conflict = () =>
    Object.assign(new Error("Transaction cancelled"), {
      name: "TransactionCanceledException",
      CancellationReasons: [{ Code: "None" }, { Code: "TransactionConflict" }],
    });

  it("is what the local runtime asks for with a data folder, and not in memory", () => {
    expect(bulkWritesFor("/data/dynamodb")).toBe("transactions");
    expect(bulkWritesFor(undefined)).toBe("batches");
  });

  it("sends 100 puts a transaction, and no batch", async () => {
    // Prepare
    useBulkWrites("transactions");
    ddb.on(TransactWriteCommand).resolves({});
    // Act
    await batchPut(many, "test");
    // Assess
    const sizes = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems?.length);
    expect(sizes).toEqual([100, 100, 30]);
    const put = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put;
    expect(put?.TableName).toBe(Db.table());
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(0);
  });

  it("sends a transaction again when it lost to a concurrent one, since its puts are whole and blind", async () => {
    // Prepare
    useBulkWrites("transactions");
    ddb.on(TransactWriteCommand).rejectsOnce(conflict()).resolves({});
    // Act
    await batchPut(many.slice(0, 10), "test");
    // Assess
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it("gives up at once on an error that is not the table's load", async () => {
    // Prepare
    useBulkWrites("transactions");
    ddb
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error("bad item"), { name: "ValidationException" }));
    // Act / Assess
    await expect(batchPut(many.slice(0, 10), "test")).rejects.toThrow();
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});

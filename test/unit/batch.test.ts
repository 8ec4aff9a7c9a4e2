import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { batchPut } from "../../core/db/batch.ts";
import { Db } from "../../core/db/client.ts";

const ddb = mockClient(DynamoDBDocumentClient);
const items = Array.from({ length: 30 }, (_, i) => ({ pk: `P#${i}`, sk: "S" }));
const timeout = () => Object.assign(new Error("socket timed out"), { name: "TimeoutError" });

beforeEach(() => {
  ddb.reset();
  Db.use(DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })));
});
afterEach(() => Db.use(undefined));

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

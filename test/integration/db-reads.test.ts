import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";

/**
 * `Db.getItem` and `Db.query` read through a plain DynamoDB client (with `cacheMiddleware`) and convert
 * values themselves: what they answer must be what the document client answers for the same call.
 */
const item = {
  pk: "dbreads#1",
  sk: "S",
  type: "Test",
  text: "é ü",
  int: 42,
  float: 1.5,
  negative: -7,
  flag: false,
  nothing: null,
  list: [1, "a", { nested: true }],
  map: { inner: { deeper: [] }, empty: {} },
  strings: new Set(["a", "b"]),
  numbers: new Set([1, 2]),
};

describe("reads through the middleware-caching client", () => {
  it("GetItem answers the item the document client answers, sets, numbers and nulls alike", async () => {
    // Prepare
    await Db.client().send(new PutCommand({ TableName: Db.table(), Item: item }));
    // Act
    const ours = await Db.getItem({ pk: item.pk, sk: item.sk }, true);
    const docs = await Db.client().send(
      new GetCommand({ TableName: Db.table(), Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }),
    );
    // Assess
    expect(ours).toEqual(docs.Item);
    expect(ours?.strings).toEqual(new Set(["a", "b"]));
    expect(await Db.getItem({ pk: "dbreads#none", sk: "S" }, true)).toBeUndefined();
  });

  it("Query takes values in a map without a prototype, drops undefined ones, and pages as the document client does", async () => {
    // Prepare
    for (let i = 0; i < 3; i++)
      await Db.client().send(
        new PutCommand({ TableName: Db.table(), Item: { pk: "dbreads#q", sk: `S#${i}`, n: i } }),
      );
    const values: Record<string, unknown> = Object.create(null);
    values[":pk"] = "dbreads#q";
    values[":unused"] = undefined;
    const input = {
      TableName: Db.table(),
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: values,
      Limit: 2,
    };
    // Act
    const first = await Db.query(input);
    const second = await Db.query({ ...input, ExclusiveStartKey: first.LastEvaluatedKey });
    const docs = await Db.client().send(
      new QueryCommand({ ...input, ExpressionAttributeValues: { ":pk": "dbreads#q" } }),
    );
    // Assess
    expect(first.Items).toEqual(docs.Items);
    expect(first.LastEvaluatedKey).toEqual(docs.LastEvaluatedKey);
    expect(second.Items?.map((i) => i.sk)).toEqual(["S#2"]);
  });

  it("fails with the SDK's own error names, which the repository translates", async () => {
    // Act
    const get = Db.getItem({ nokey: "x" }, false);
    const query = Db.query({
      TableName: Db.table(),
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: {},
    });
    // Assess
    await expect(get).rejects.toMatchObject({ name: "ValidationException" });
    await expect(query).rejects.toMatchObject({ name: "ValidationException" });
  });
});

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";

/**
 * The floor for bundle size and cold import (bench/cold.ts): the smallest useful API handler on the same
 * stack, Hono and the DynamoDB DocumentClient, reading one item. Built with the same options as the
 * real functions.
 */
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const app = new Hono();

app.get("/items/:id", async (c) => {
  const out = await db.send(
    new GetCommand({
      TableName: process.env.TABLE_NAME ?? "table",
      Key: { pk: c.req.param("id"), sk: "item" },
    }),
  );
  return out.Item ? c.json(out.Item) : c.json({ code: "NotFound" }, 404);
});

export const handler = handle(app);

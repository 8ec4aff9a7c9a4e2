import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient, ListStreamsCommand } from "@aws-sdk/client-dynamodb-streams";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { batchPut } from "../../core/db/batch.ts";
import { Db } from "../../core/db/client.ts";
import { type LocalRuntime, startLocal } from "../../infra/local/runtime.ts";

/**
 * DynamoDB Local as `npm start` runs it, with a data folder of its own: its own Java, not the suite's.
 * The data folder starts as one an older version left (a `-sharedDb` database file).
 */
const saved = { ...process.env };
const dataDir = join(mkdtempSync(join(tmpdir(), "lp-exposure-")), "data");
const table = "linkplane-exposure";
let runtime: LocalRuntime | undefined;
let accountUin = "";

async function run(): Promise<LocalRuntime> {
  process.env = { ...saved, LINKPLANE_DYNAMODB_ENDPOINT: "", LINKPLANE_DYNAMODB_ACCESS_KEY_ID: "" };
  Config.reset();
  return startLocal({ port: 0, dataDir, tableName: table, scheduler: false });
}

function secret(): string {
  return (JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8")) as { dynamodbAccessKeyId: string })
    .dynamodbAccessKeyId;
}

function client(endpoint: string, accessKeyId: string, region = Config.get().awsRegion) {
  return new DynamoDBClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey: "x" } });
}

beforeAll(async () => {
  // Prepare: an account written by a first run, whose database file is then renamed to the one file an
  // older version wrote with -sharedDb (the same format under another name).
  const first = await run();
  const created = await fetch(`${first.url}/v1/operator/accounts`, {
    method: "POST",
    headers: { authorization: `Bearer ${first.operatorToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "written before the upgrade" }),
  });
  accountUin = ((await created.json()) as { uin: string }).uin;
  await first.stop();
  const dbDir = join(dataDir, "dynamodb");
  const own = readdirSync(dbDir).filter((f) => f.endsWith(".db"));
  expect(own).toEqual([`${secret()}_${Config.get().awsRegion}.db`]);
  renameSync(join(dbDir, own[0] as string), join(dbDir, "shared-local-instance.db"));
  runtime = await run();
}, 180_000);

afterAll(async () => {
  await runtime?.stop();
  process.env = saved;
  Config.reset();
  Db.use(undefined);
});

describe("DynamoDB Local under npm start", () => {
  it("keeps a random key id in the data folder, readable by the user only, and opens the tables with it", async () => {
    // Act
    const key = secret();
    const tables = await client((runtime as LocalRuntime).dynamodb.endpoint, key).send(
      new ListTablesCommand({}),
    );
    // Assess
    expect(key).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(statSync(join(dataDir, "secrets.json")).mode & 0o777).toBe(0o600);
    expect(tables.TableNames).toContain(table);
  });

  it("shows a client without the key id no table, no stream and not the table by name", async () => {
    // Prepare: the fixed key the clients used before, a guess, and the right key in another region.
    const endpoint = (runtime as LocalRuntime).dynamodb.endpoint;
    const strangers = [
      client(endpoint, "linkplane"),
      client(endpoint, "AKIAIOSFODNN7EXAMPLE"),
      client(endpoint, secret(), "eu-west-3"),
    ];
    for (const stranger of strangers) {
      // Act
      const tables = await stranger.send(new ListTablesCommand({}));
      const byName = await stranger.send(new DescribeTableCommand({ TableName: table })).catch((e) => e);
      const streams = await new DynamoDBStreamsClient({
        endpoint,
        region: await stranger.config.region(),
        credentials: await stranger.config.credentials(),
      }).send(new ListStreamsCommand({}));
      // Assess
      expect(tables.TableNames).toEqual([]);
      expect(byName).toBeInstanceOf(ResourceNotFoundException);
      expect(streams.Streams ?? []).toEqual([]);
    }
  });

  it("allows no browser origin: a web page's preflight gets no Access-Control-Allow-Origin", async () => {
    // DynamoDB Local 3.3.0 answers Access-Control-Allow-Origin only to an Origin on its -cors list,
    // compared literally (`*` included). The list npm start gives holds nothing a browser sends
    // (test/unit/dynamodb-local.test.ts), whatever a later version makes of `*` or of no -cors at all.
    const origins = ["http://evil.example", "null", "http://localhost:3000", "https://127.0.0.1", "*"];
    for (const origin of origins) {
      // Act: what a browser sends before a cross-origin DynamoDB call from a page.
      const preflight = await fetch((runtime as LocalRuntime).dynamodb.endpoint, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type,x-amz-target,x-amz-date",
        },
      });
      // Assess
      expect(preflight.headers.get("access-control-allow-origin"), origin).toBeNull();
    }
  });

  it("moves a database written with -sharedDb to the key id's file, losing nothing", async () => {
    // Act
    const account = await fetch(`${(runtime as LocalRuntime).url}/v1/operator/accounts/${accountUin}`, {
      headers: { authorization: `Bearer ${(runtime as LocalRuntime).operatorToken}` },
    });
    // Assess
    expect(account.status).toBe(200);
    expect(((await account.json()) as { name: string }).name).toBe("written before the upgrade");
    expect(existsSync(join(dataDir, "dynamodb", "shared-local-instance.db"))).toBe(false);
  });

  it("writes bulk puts as 100-item transactions, which its SQLite syncs to disk once each, not per item", async () => {
    // Prepare
    const items = Array.from({ length: 250 }, (_, i) => ({ pk: `BULK#${i}`, sk: "BULK", type: "Test" }));
    // Act
    const { commands } = await Db.recordCommands(() => batchPut(items, "test"));
    // Assess
    expect(commands).toEqual(["TransactWriteItems", "TransactWriteItems", "TransactWriteItems"]);
    const last = await Db.client().send(
      new GetCommand({ TableName: Db.table(), Key: { pk: "BULK#249", sk: "BULK" } }),
    );
    expect(last.Item?.type).toBe("Test");
  });
});

import { randomBytes } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beforeAll, inject } from "vitest";
import { Config } from "../../core/config.ts";
import { Credential } from "../../core/credential/index.ts";
import { Db } from "../../core/db/client.ts";
import { ensureTable } from "../../infra/local/table.ts";
import { installSuiteClock } from "./clock.ts";

/** A fresh table per test file in the shared DynamoDB Local, and a configuration pointing at it. */
const endpoint = inject("dynamodbEndpoint");
process.env.LINKPLANE_DYNAMODB_ENDPOINT = endpoint;
process.env.LINKPLANE_TABLE = `test-${randomBytes(6).toString("hex")}`;
process.env.LINKPLANE_ENCRYPTION_KEY = randomBytes(32).toString("base64");
process.env.LINKPLANE_OPERATOR_TOKEN = `lpop_${randomBytes(18).toString("base64url")}`;
process.env.LINKPLANE_LOG_LEVEL ??= "silent";
Config.reset();
installSuiteClock();
Db.use(undefined);
Credential.clearCache();

export const tableState: { streamArn: string } = { streamArn: "" };

beforeAll(async () => {
  const admin = new DynamoDBClient({
    endpoint,
    region: Config.get().awsRegion,
    credentials: { accessKeyId: "linkplane", secretAccessKey: "linkplane" },
  });
  tableState.streamArn = (await ensureTable(admin, Config.get().tableName)).streamArn;
  admin.destroy();
});

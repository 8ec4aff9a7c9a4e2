import { randomBytes } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beforeAll, inject } from "vitest";
import * as Config from "../../core/config.ts";
import * as Credential from "../../core/credential/index.ts";
import { Db } from "../../core/db/client.ts";
import { ensureTable } from "../../infra/local/table.ts";
import { installSuiteClock } from "./clock.ts";

/** A fresh table per test file in the shared DynamoDB Local, and a configuration pointing at it. */
const endpoint = inject("dynamodbEndpoint");
process.env.LINKPLANE_DYNAMODB_ENDPOINT = endpoint;
// DynamoDB Local runs without -sharedDb, as under `npm start`: this key id is what opens the suite's tables.
process.env.LINKPLANE_DYNAMODB_ACCESS_KEY_ID = inject("dynamodbAccessKeyId");
process.env.LINKPLANE_TABLE = `test-${randomBytes(6).toString("hex")}`;
process.env.LINKPLANE_ENCRYPTION_KEY = randomBytes(32).toString("base64");
process.env.LINKPLANE_OPERATOR_TOKEN = `lpop_${randomBytes(18).toString("base64url")}`;
process.env.LINKPLANE_LOG_LEVEL ??= "silent";
// The concurrency tests burst 300 transactions at one DynamoDB Local on a shared, loaded machine: a request
// waits for one of the client's 50 sockets (counted against the connection timeout) and then for Local's
// item locks, well past the 2 s default (15 s seen). Those tests are about contention, not overload, so
// the suite runs with a minute; the tests of the timeouts set their own (stalled-database.test.ts).
process.env.LINKPLANE_DYNAMODB_CONNECT_TIMEOUT_MS ??= "60000";
process.env.LINKPLANE_DYNAMODB_REQUEST_TIMEOUT_MS ??= "60000";
// And the four tries the client made before timeouts existed (the default is three, to bound a stall).
process.env.LINKPLANE_DYNAMODB_MAX_ATTEMPTS ??= "4";
Config.reset();
installSuiteClock();
Db.use(undefined);
Credential.clearCache();

export const tableState: { streamArn: string } = { streamArn: "" };

beforeAll(async () => {
  const admin = new DynamoDBClient({
    endpoint,
    region: Config.get().awsRegion,
    credentials: Db.localCredentials(),
  });
  tableState.streamArn = (await ensureTable(admin, Config.get().tableName)).streamArn;
  admin.destroy();
});

import "aws-sdk-client-mock-vitest/extend";
import { randomBytes } from "node:crypto";
import { afterEach } from "vitest";
import * as Config from "../../core/config.ts";
import { Db } from "../../core/db/client.ts";
import { setLogSink } from "../../core/util/log.ts";
import { installSuiteClock } from "./clock.ts";

// Unit tests never reach a network: the client is replaced by mocks where DynamoDB is involved.
process.env.LINKPLANE_TABLE = "unit-table";
process.env.LINKPLANE_ENCRYPTION_KEY = randomBytes(32).toString("base64");
process.env.LINKPLANE_OPERATOR_TOKEN = "unit-operator-token-0123456789";
process.env.LINKPLANE_LOG_LEVEL = "silent";
process.env.AWS_ACCESS_KEY_ID = "unit";
process.env.AWS_SECRET_ACCESS_KEY = "unit";
delete process.env.LINKPLANE_DYNAMODB_ENDPOINT;
Config.reset();
installSuiteClock();

afterEach(() => {
  setLogSink(undefined);
});

export { Db };

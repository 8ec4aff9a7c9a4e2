import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import * as Credential from "../../core/credential/index.ts";
import { Db } from "../../core/db/client.ts";
import { ifConditionHolds, RaceLostError, translateSdkError } from "../../core/db/errors.ts";
import * as Keys from "../../core/db/keys.ts";
import { Sealed } from "../../core/util/crypto.ts";
import * as vpcs from "../../functions/api/inventory/vpcs.ts";

const ddb = mockClient(DynamoDBDocumentClient);
const meta = { $metadata: {} };

beforeEach(() => {
  ddb.reset();
  Credential.clearCache();
  Db.use(DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })));
});
afterEach(() => {
  Db.use(undefined);
});

const SECRET_ID = `AKID${"A".repeat(32)}`;
const SECRET_KEY = "k".repeat(32);
function credentialItem() {
  const key = Config.get().encryptionKey as Buffer;
  return {
    ...Keys.credential(SECRET_ID),
    secretId: SECRET_ID,
    ownerUin: "100000000001",
    status: "enabled",
    sealedKey: Sealed.seal(key, SECRET_KEY, SECRET_ID),
  };
}

describe("translateSdkError", () => {
  it.each([
    [
      new ProvisionedThroughputExceededException({ message: "slow down", ...meta }),
      429,
      "RequestLimitExceeded",
    ],
    [Object.assign(new Error("throttled"), { name: "ThrottlingException" }), 429, "RequestLimitExceeded"],
    [Object.assign(new Error("timeout"), { name: "TimeoutError" }), 503, "ResourceUnavailable"],
    [Object.assign(new Error("refused"), { code: "ECONNREFUSED" }), 503, "ResourceUnavailable"],
    [new Error("something else"), 500, "InternalError"],
  ])("maps %s to %i %s", (error, status, code) => {
    const e = translateSdkError(error);
    expect(e.status).toBe(status);
    expect(e.code).toBe(code);
    expect(e.cause).toBe(error);
  });

  it("hands a failed condition's old item, unmarshalled, to the caller", () => {
    const error = new ConditionalCheckFailedException({
      message: "no",
      ...meta,
      Item: { refCount: { N: "2" } },
    });
    let seen: unknown;
    translateSdkError(error, {
      onConditionFailed: (item) => {
        seen = item;
        return translateSdkError(new Error("x"));
      },
    });
    expect(seen).toEqual({ refCount: 2 });
  });

  it("treats a transaction cancelled by throttling as retryable", () => {
    const error = new TransactionCanceledException({
      message: "x",
      ...meta,
      CancellationReasons: [{ Code: "None" }, { Code: "ThrottlingError" }],
    });
    expect(translateSdkError(error).code).toBe("RequestLimitExceeded");
  });
});

describe("ifConditionHolds", () => {
  const cancelled = (code: string) =>
    new TransactionCanceledException({
      message: "cancelled",
      $metadata: {},
      CancellationReasons: [{ Code: "None" }, { Code: code }],
    });

  it("answers a lost condition as undefined and a made write as its output", async () => {
    // Prepare
    const conditionFailed = new ConditionalCheckFailedException({ message: "no", $metadata: {} });
    // Act
    const outcomes = await Promise.all([
      ifConditionHolds(async () => ({ made: true })),
      ifConditionHolds(() => Promise.reject(conditionFailed)),
      ifConditionHolds(() => Promise.reject(cancelled("ConditionalCheckFailed"))),
    ]);
    // Assess
    expect(outcomes).toEqual([{ made: true }, undefined, undefined]);
  });

  it("does not take a transaction conflict or a throttle for a lost condition", async () => {
    // Act
    const conflict = ifConditionHolds(() => Promise.reject(cancelled("TransactionConflict")));
    const throttled = ifConditionHolds(() =>
      Promise.reject(new ProvisionedThroughputExceededException({ message: "slow", $metadata: {} })),
    );
    // Assess
    await expect(conflict).rejects.toBeInstanceOf(RaceLostError);
    await expect(throttled).rejects.toMatchObject({ code: "RequestLimitExceeded" });
  });
});

describe("repository calls", () => {
  it("answers a throttled read as 429 RequestLimitExceeded through the route, not 500", async () => {
    // Prepare: the credential lookup succeeds, the VPC read is throttled.
    ddb.on(GetCommand, { Key: Keys.credential(SECRET_ID) }).resolves({ Item: credentialItem() });
    ddb
      .on(GetCommand, { Key: Keys.owned("100000000001", "VPC", "vpc-00000001") })
      .rejects(new ProvisionedThroughputExceededException({ message: "slow down", ...meta }));
    // Act
    const reply = await vpcs.app.request("/v1/vpcs/vpc-00000001", {
      headers: { authorization: `Bearer ${SECRET_ID}:${SECRET_KEY}` },
    });
    // Assess
    expect(reply.status).toBe(429);
    expect(((await reply.json()) as { error: { code: string } }).error.code).toBe("RequestLimitExceeded");
  });

  it("answers an unexpected SDK failure as a 500 without details", async () => {
    ddb.on(GetCommand, { Key: Keys.credential(SECRET_ID) }).resolves({ Item: credentialItem() });
    ddb
      .on(GetCommand, { Key: Keys.owned("100000000001", "VPC", "vpc-00000001") })
      .rejects(new Error("disk on fire at /var/secret/path"));
    const reply = await vpcs.app.request("/v1/vpcs/vpc-00000001", {
      headers: { authorization: `Bearer ${SECRET_ID}:${SECRET_KEY}` },
    });
    const text = await reply.text();
    expect(reply.status).toBe(500);
    expect(JSON.parse(text).error).toMatchObject({
      code: "InternalError",
      message: "an internal error occurred",
    });
    expect(text).not.toContain("disk on fire");
  });
});

import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Config } from "../../core/config.ts";
import { Credential } from "../../core/credential/index.ts";
import { Db } from "../../core/db/client.ts";
import { translateSdkError } from "../../core/db/errors.ts";
import { Keys } from "../../core/db/keys.ts";
import { Vpc } from "../../core/inventory/vpc.ts";
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

describe("repository calls", () => {
  it("creates a credential in one transaction: quota counter on the account, conditional put", async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});
    // Act
    const created = await Credential.create("100000000001");
    // Assess
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const input = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input;
    expect(input?.TransactItems?.[0]?.Update).toMatchObject({
      Key: Keys.account("100000000001"),
      ConditionExpression: expect.stringContaining("credentialCount < :max"),
      ExpressionAttributeValues: expect.objectContaining({ ":max": Credential.MAX_PER_ACCOUNT }),
    });
    const put = input?.TransactItems?.[1]?.Put;
    expect(put?.ConditionExpression).toBe("attribute_not_exists(pk)");
    expect(put?.Item?.sealedKey).toEqual(expect.stringMatching(/^v1\./));
    expect(JSON.stringify(input)).not.toContain(created.secretKey);
  });

  it("explains a cancelled credential transaction: no account is 404, a full quota is LimitExceeded", async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "c",
        ...meta,
        CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }],
      }),
    );
    await expect(Credential.create("100000000001")).rejects.toMatchObject({ code: "ResourceNotFound" });
    ddb.reset();
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "c",
        ...meta,
        CancellationReasons: [
          { Code: "ConditionalCheckFailed", Item: { credentialCount: { N: "5" } } },
          { Code: "None" },
        ],
      }),
    );
    await expect(Credential.create("100000000001")).rejects.toMatchObject({ code: "LimitExceeded" });
  });

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

  it("retries a subnet creation that lost the VPC version race", async () => {
    // Prepare: the VPC is read twice; the first write loses to a concurrent change.
    const vpcItem = {
      ...Keys.owned("100000000001", "VPC", "vpc-00000001"),
      id: "vpc-00000001",
      ownerUin: "100000000001",
      region: "ap-guangzhou",
      name: "v",
      createdAt: "",
      cidrBlock: "10.0.0.0/16",
      subnetCidrs: {},
      version: 3,
    };
    ddb.on(GetCommand).resolves({ Item: vpcItem });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({
          message: "c",
          ...meta,
          CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }],
        }),
      )
      .resolves({});
    const { Subnet } = await import("../../core/inventory/subnet.ts");
    // Act
    const subnet = await Subnet.create("100000000001", {
      vpcId: "vpc-00000001",
      zone: "ap-guangzhou-1",
      name: "s",
      cidrBlock: "10.0.1.0/24",
    });
    // Assess
    expect(subnet.cidrBlock).toBe("10.0.1.0/24");
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expect(
      ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Update
        ?.ConditionExpression,
    ).toBe("version = :seen");
    expect(Vpc.kind.type).toBe("VPC");
  });

  it("deletes a service whose backend moved meanwhile by reading it again, not with a 500", async () => {
    // Prepare: the first delete finds the backend it releases taken by a concurrent move.
    const service = {
      ...Keys.service("vpcsvc-00000001"),
      type: "EndpointService",
      id: "vpcsvc-00000001",
      ownerUin: "100000000001",
      backendInstanceId: "lb-00000001",
      vpcId: "vpc-00000001",
      status: "active",
      liveCount: 0,
    };
    ddb.on(GetCommand).resolves({ Item: service });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({
          message: "c",
          ...meta,
          CancellationReasons: [
            { Code: "None" },
            { Code: "ConditionalCheckFailed" },
            { Code: "None" },
            { Code: "None" },
          ],
        }),
      )
      .resolves({});
    const { PrivateLink } = await import("../../core/privatelink/index.ts");
    // Act
    await PrivateLink.deleteService("100000000001", "vpcsvc-00000001", false);
    // Assess
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expect(
      ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Delete
        ?.ConditionExpression,
    ).toContain("backendInstanceId = :backend");
  });
});

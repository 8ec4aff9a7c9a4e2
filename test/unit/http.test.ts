import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import * as Credential from "../../core/credential/index.ts";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { Sealed } from "../../core/util/crypto.ts";
import { setLogSink } from "../../core/util/log.ts";
import * as vpcs from "../../functions/api/inventory/vpcs.ts";

const ddb = mockClient(DynamoDBDocumentClient);
const SECRET_ID = `AKID${"B".repeat(32)}`;
const SECRET_KEY = "s".repeat(32);
const UIN = "100000000002";

beforeEach(() => {
  ddb.reset();
  Credential.clearCache();
  Db.use(DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })));
  const key = Config.get().encryptionKey as Buffer;
  ddb.on(GetCommand, { Key: Keys.credential(SECRET_ID) }).resolves({
    Item: {
      ...Keys.credential(SECRET_ID),
      secretId: SECRET_ID,
      ownerUin: UIN,
      status: "enabled",
      sealedKey: Sealed.seal(key, SECRET_KEY, SECRET_ID),
    },
  });
  ddb.on(GetCommand, { Key: Keys.owned(UIN, "VPC", "vpc-abcdefgh") }).resolves({
    Item: {
      ...Keys.owned(UIN, "VPC", "vpc-abcdefgh"),
      type: "Vpc",
      id: "vpc-abcdefgh",
      ownerUin: UIN,
      region: "ap-guangzhou",
      name: "v",
      createdAt: "2026-11-29T00:00:00.000Z",
      cidrBlock: "10.0.0.0/16",
      subnetCidrs: { "subnet-1": "10.0.1.0/24" },
      version: 1,
    },
  });
});
afterEach(() => Db.use(undefined));

function apiGatewayEvent(
  method: string,
  path: string,
  headers: Record<string, string>,
): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: `${method} /v1/vpcs/{id}`,
    rawPath: path,
    rawQueryString: "",
    headers: { host: "api.example.com", ...headers },
    requestContext: {
      accountId: "000000000000",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "r1",
      routeKey: `${method} /v1/vpcs/{id}`,
      stage: "$default",
      time: "29/Nov/2026:00:00:00 +0000",
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    body: null,
  } as unknown as APIGatewayProxyEventV2;
}

describe("a route's Lambda handler", () => {
  it("serves an API Gateway HTTP API v2 event through the same app", async () => {
    // Act
    const out = (await vpcs.handler(
      apiGatewayEvent("GET", "/v1/vpcs/vpc-abcdefgh", {
        authorization: `Bearer ${SECRET_ID}:${SECRET_KEY}`,
      }) as never,
      {} as Context,
    )) as { statusCode: number; body: string; headers: Record<string, string> };
    // Assess
    expect(out.statusCode).toBe(200);
    expect(JSON.parse(out.body)).toMatchObject({ id: "vpc-abcdefgh", subnetCount: 1, ownerUin: UIN });
    expect(out.headers["x-request-id"]).toEqual(expect.any(String));
  });

  it("reads the VPC under the caller's partition only", async () => {
    await vpcs.app.request("/v1/vpcs/vpc-abcdefgh", {
      headers: { authorization: `Bearer ${SECRET_ID}:${SECRET_KEY}` },
    });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: { pk: `ACCT#${UIN}`, sk: "VPC#vpc-abcdefgh" } });
  });
});

describe("logging", () => {
  it("writes one JSON access line per request, with the caller and no headers", async () => {
    const lines: string[] = [];
    process.env.LINKPLANE_LOG_LEVEL = "info";
    Config.reset();
    setLogSink((l) => lines.push(l));
    try {
      await vpcs.app.request("/v1/vpcs/vpc-abcdefgh", {
        headers: { authorization: `Bearer ${SECRET_ID}:${SECRET_KEY}` },
      });
    } finally {
      process.env.LINKPLANE_LOG_LEVEL = "silent";
      Config.reset();
    }
    const access = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request");
    expect(access).toMatchObject({
      level: "info",
      method: "GET",
      path: "/v1/vpcs/vpc-abcdefgh",
      status: 200,
      uin: UIN,
    });
    expect(lines.join("\n")).not.toContain(SECRET_KEY);
  });

  it("redacts secret-looking keys at any depth", async () => {
    const { log } = await import("../../core/util/log.ts");
    const lines: string[] = [];
    process.env.LINKPLANE_LOG_LEVEL = "info";
    Config.reset();
    setLogSink((l) => lines.push(l));
    log.info("x", {
      secretKey: "k1",
      nested: { Authorization: "Bearer k2", list: [{ token: "k3" }] },
      fine: "ok",
    });
    process.env.LINKPLANE_LOG_LEVEL = "silent";
    Config.reset();
    expect(lines[0]).toContain('"fine":"ok"');
    for (const secret of ["k1", "k2", "k3"]) expect(lines[0]).not.toContain(secret);
  });
});

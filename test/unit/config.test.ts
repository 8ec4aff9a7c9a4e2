import { describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";

describe("configuration from the environment", () => {
  it("gives each variable that is not set its default", () => {
    // Act
    const config = Config.load({});
    // Assess: every field, so that a default mistyped anywhere shows.
    expect(config).toEqual({
      tableName: "linkplane",
      regions: ["ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-singapore"],
      dynamodbEndpoint: undefined,
      operatorToken: undefined,
      encryptionKey: undefined,
      authCacheSeconds: 5,
      logLevel: "info",
      awsRegion: "us-east-1",
      quotas: { servicesPerAccount: 100, endpointsPerService: 500, endpointsPerVpc: 50 },
      ingestToken: undefined,
      retentionDays: { raw: 7, hourly: 93, daily: 730 },
      dataDir: ".linkplane",
      exportBucket: undefined,
      webhooks: {
        maxPerAccount: 20,
        retentionDays: 30,
        timeoutMs: 15_000,
        allowPrivate: false,
        allowHttp: false,
        queueUrl: undefined,
      },
      rollup: { queueUrl: undefined, workers: 4 },
      tls: undefined,
      dynamodb: { connectTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 3, accessKeyId: undefined },
    });
  });

  it("treats an empty variable as not set, and ignores variables it does not know", () => {
    // Act
    const config = Config.load({ LINKPLANE_TABLE: "", LINKPLANE_AUTH_CACHE_SECONDS: "", HOME: "/root" });
    // Assess
    expect(config.tableName).toBe("linkplane");
    expect(config.authCacheSeconds).toBe(5);
  });

  it("reads what is set, numbers from their text", () => {
    // Act
    const config = Config.load({
      LINKPLANE_TABLE: "prod-table",
      LINKPLANE_AUTH_CACHE_SECONDS: "60",
      LINKPLANE_LOG_LEVEL: "debug",
      LINKPLANE_DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
      LINKPLANE_WEBHOOK_ALLOW_HTTP: "true",
    });
    // Assess
    expect(config).toMatchObject({
      tableName: "prod-table",
      authCacheSeconds: 60,
      logLevel: "debug",
      dynamodbEndpoint: "http://127.0.0.1:8000",
      webhooks: { allowHttp: true },
    });
  });

  it.each([
    ["LINKPLANE_TABLE", "ab"],
    ["LINKPLANE_AUTH_CACHE_SECONDS", "61"],
    ["LINKPLANE_AUTH_CACHE_SECONDS", "2.5"],
    ["LINKPLANE_QUOTA_ENDPOINTS_PER_VPC", "many"],
    ["LINKPLANE_LOG_LEVEL", "loud"],
    ["LINKPLANE_DYNAMODB_ENDPOINT", "localhost"],
    ["LINKPLANE_OPERATOR_TOKEN", "short"],
    ["LINKPLANE_DYNAMODB_ACCESS_KEY_ID", "with-dash"],
    ["LINKPLANE_WEBHOOK_ALLOW_PRIVATE", "yes"],
  ])("refuses %s=%s, naming the variable", (name, value) => {
    expect(() => Config.load({ [name]: value })).toThrow(new RegExp(`^invalid configuration ${name}: `));
  });
});

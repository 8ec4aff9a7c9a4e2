import { PutObjectCommand, type PutObjectCommandInput, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { batchWrite, endpointItem } from "../../bench/support.ts";
import { useObjectStore } from "../../core/storage/index.ts";
import { S3Store } from "../../core/storage/s3.ts";
import { Clock } from "../../core/util/time.ts";
import { INLINE_LIMIT_BYTES, useInlineLimit } from "../../functions/api/csv.ts";
import { call, newTenant, type Tenant } from "../support/api.ts";
import { atInstant } from "../support/clock.ts";

/**
 * Exports in AWS: a Lambda response holds at most 6 MB, so an export larger than that is written to the
 * export bucket and answered 303 to a presigned URL. The bucket is mocked (no S3 here); DynamoDB, the
 * routes and the CSV are real. Endpoints are seeded in their stored shape with batch writes.
 *
 * Lambda's limit (5 MiB of CSV, about 30,000 endpoints) is lowered to 64 KiB here, so that 2,000 endpoints
 * (about 350 KiB) cross it: seeding 50,000 took four minutes of DynamoDB Local beside the rest of the
 * suite, and made its neighbours time out. The limit is one number; the path past it is the same.
 */
const ROWS = 2_000;
const LIMIT = 64 * 1024;
const s3 = mockClient(S3Client);
const uploads: PutObjectCommandInput[] = [];
let big: Tenant;
let small: Tenant;

function awsStore() {
  useObjectStore(
    new S3Store(
      "linkplane-exports-test",
      new S3Client({
        region: "eu-west-3",
        credentials: { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "session" },
      }),
    ),
  );
}

async function seed(tenant: Tenant, count: number) {
  const createdAt = Clock.date().toISOString();
  const items = Array.from({ length: count }, (_, i) =>
    endpointItem({
      i,
      uin: tenant.uin,
      serviceId: "vpcsvc-seeded0",
      serviceOwnerUin: tenant.uin,
      vpcId: "vpc-seeded00",
      subnetId: "subnet-seeded0",
      createdAt,
    }),
  );
  await batchWrite(items, 4);
}

beforeAll(async () => {
  big = await newTenant("big");
  small = await newTenant("small");
  const started = performance.now();
  await seed(big, ROWS);
  console.info(`seeded ${ROWS} endpoints in ${Math.round(performance.now() - started)} ms`);
  // The small tenant's ids must not collide with the big one's (ids are derived from the index).
  await batchWrite(
    [0, 1, 2].map((i) =>
      endpointItem({
        i: ROWS + i,
        uin: small.uin,
        serviceId: "vpcsvc-seeded1",
        serviceOwnerUin: small.uin,
        vpcId: "vpc-seeded01",
        subnetId: "subnet-seeded1",
        createdAt: Clock.date().toISOString(),
      }),
    ),
    1,
  );
});

beforeEach(() => useInlineLimit(LIMIT));
afterEach(() => {
  useInlineLimit(undefined);
  s3.reset();
  uploads.length = 0;
  useObjectStore(undefined);
});
afterAll(() => s3.restore());

/** A presigned GET of `key` in the test bucket, as the 303 and the link both carry it. */
function expectPresigned(location: string, key: string | undefined) {
  const url = new URL(location);
  expect(url.origin).toBe("https://linkplane-exports-test.s3.eu-west-3.amazonaws.com");
  expect(decodeURIComponent(url.pathname.slice(1))).toBe(key);
  expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
  expect(url.searchParams.get("X-Amz-Credential")).toMatch(
    /^ASIAEXAMPLE\/\d{8}\/eu-west-3\/s3\/aws4_request$/,
  );
  expect(url.searchParams.get("X-Amz-Security-Token")).toBe("session");
  expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  expect(url.searchParams.get("response-content-type")).toBe("text/csv; charset=utf-8");
  expect(url.searchParams.get("response-content-disposition")).toBe(
    `attachment; filename="${key?.split("/").at(-1)}"`,
  );
  return url;
}

function mockUploads() {
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    uploads.push(input);
    return {};
  });
}

describe("an export larger than a Lambda response, in AWS", () => {
  it("is written to the export bucket and answered 303 to a short-lived presigned URL of it", async () => {
    // Prepare
    awsStore();
    mockUploads();
    // Act
    const started = performance.now();
    const reply = await call("GET", "/v1/endpoints/export?region=ap-guangzhou", { auth: big.auth });
    const ms = Math.round(performance.now() - started);
    // Assess
    expect(reply.status).toBe(303);
    expect(reply.headers.get("cache-control")).toBe("no-store");
    expect(uploads).toHaveLength(1);
    const upload = uploads[0] as PutObjectCommandInput;
    const body = upload.Body as Buffer;
    const text = body.toString("utf8");
    console.info(
      `exported ${ROWS} endpoints: ${(body.length / 1024 / 1024).toFixed(1)} MiB to the bucket in ${ms} ms`,
    );
    expect(upload.Bucket).toBe("linkplane-exports-test");
    expect(upload.Key).toMatch(/^downloads\/[0-9a-f-]{36}\/endpoints-ap-guangzhou-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(upload.ContentType).toBe("text/csv; charset=utf-8");
    expect(body.length).toBeGreaterThan(LIMIT);
    expect(text.startsWith("\uFEFFid,")).toBe(true);
    expect(text.split("\r\n").filter(Boolean)).toHaveLength(ROWS + 1);
    expectPresigned(reply.headers.get("location") ?? "", upload.Key);
    expect(reply.headers.get("linkplane-download")).toBeNull();
  });

  it("is the same file that is streamed locally, where the route answers 200", async () => {
    // Prepare
    awsStore();
    mockUploads();
    await call("GET", "/v1/endpoints/export?region=ap-guangzhou", { auth: big.auth });
    useObjectStore(undefined);
    // Act
    const started = performance.now();
    const local = await call("GET", "/v1/endpoints/export?region=ap-guangzhou", { auth: big.auth });
    const ms = Math.round(performance.now() - started);
    // Assess
    console.info(
      `streamed ${ROWS} endpoints locally: ${(local.text.length / 1024 / 1024).toFixed(1)} MiB in ${ms} ms`,
    );
    expect(local.status).toBe(200);
    expect(local.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(local.text).toBe(((uploads[0] as PutObjectCommandInput).Body as Buffer).toString("utf8"));
  });

  it("answers the same export inline under Lambda's own limit, which leaves a MiB of the 6 MiB for headers", async () => {
    // Prepare
    awsStore();
    mockUploads();
    useInlineLimit(undefined);
    // Act
    const reply = await call("GET", "/v1/endpoints/export?region=ap-guangzhou", { auth: big.auth });
    // Assess
    expect(INLINE_LIMIT_BYTES).toBeLessThanOrEqual(6 * 1024 * 1024 - 1024 * 1024);
    expect(reply.status).toBe(200);
    expect(reply.text.split("\r\n").filter(Boolean)).toHaveLength(ROWS + 1);
    expect(uploads).toHaveLength(0);
  });

  it("answers a small export inline, with nothing written to the bucket", async () => {
    // Prepare
    awsStore();
    mockUploads();
    // Act
    const reply = await call("GET", "/v1/endpoints/export?region=ap-guangzhou", { auth: small.auth });
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-disposition")).toMatch(
      /^attachment; filename="endpoints-ap-guangzhou-/,
    );
    expect(reply.text.split("\r\n").filter(Boolean)).toHaveLength(4);
    expect(uploads).toHaveLength(0);
  });
});

/** Every route that can answer 303 to the bucket with a file built on request, for one tenant. */
async function exportPaths(tenant: Tenant): Promise<string[]> {
  const endpoint = (await call("GET", "/v1/endpoints?region=ap-guangzhou", { auth: tenant.auth })).body
    .items[0];
  return [
    "/v1/endpoints/export?region=ap-guangzhou",
    "/v1/endpoint-services/export?region=ap-guangzhou",
    `/v1/endpoints/${endpoint.id}/metrics/export?format=csv`,
  ];
}

/**
 * `download=link`: the console downloads with fetch under `connect-src 'self'`, so it cannot follow a 303
 * to the bucket's origin; it asks for the link as JSON and navigates to it.
 */
describe("download=link", () => {
  it("answers 200 with the presigned URL as JSON where the export would be answered 303", async () => {
    // Prepare: the clock stopped on a whole second, so the link's expiry can be read off its signature.
    awsStore();
    mockUploads();
    const at = Math.floor(Clock.now() / 1000) * 1000;
    // Act
    const reply = await atInstant(at, () =>
      call("GET", "/v1/endpoints/export?region=ap-guangzhou&download=link", { auth: big.auth }),
    );
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get("linkplane-download")).toBe("link");
    expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
    expect(reply.headers.get("cache-control")).toBe("no-store");
    expect(reply.headers.get("location")).toBeNull();
    expect(uploads).toHaveLength(1);
    const key = uploads[0]?.Key;
    const filename = key?.split("/").at(-1);
    expect(reply.body).toEqual({
      url: expect.any(String),
      filename,
      contentType: "text/csv; charset=utf-8",
      expiresAt: new Date(at + 900_000).toISOString(),
    });
    expect(filename).toMatch(/^endpoints-ap-guangzhou-\d{4}-\d{2}-\d{2}\.csv$/);
    const url = expectPresigned(reply.body.url, key);
    const signedAt = (url.searchParams.get("X-Amz-Date") ?? "").replace(
      /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
      "$1-$2-$3T$4:$5:$6.000Z",
    );
    expect(Date.parse(signedAt) + 900_000).toBe(Date.parse(reply.body.expiresAt));
  });

  it("is taken by every route that can answer 303 to the bucket", async () => {
    // Prepare: a limit every file crosses, so each route's own way to the bucket is taken.
    awsStore();
    mockUploads();
    useInlineLimit(1);
    const paths = await exportPaths(small);
    for (const path of paths) {
      // Act
      const plain = await call("GET", path, { auth: small.auth });
      const linked = await call("GET", `${path}&download=link`, { auth: small.auth });
      // Assess
      expect(plain.status, path).toBe(303);
      expect(linked.status, path).toBe(200);
      expect(linked.headers.get("linkplane-download"), path).toBe("link");
      expect(linked.body.url, path).toMatch(
        /^https:\/\/linkplane-exports-test\.s3\.eu-west-3\.amazonaws\.com\/downloads\//,
      );
      expect(linked.body.filename, path).toBe(uploads.at(-1)?.Key?.split("/").at(-1));
    }
    expect(uploads).toHaveLength(paths.length * 2);
  });

  /** The export asked without and with `download=link`: the same file both times, no link. */
  async function expectFileEitherWay(tenant: Tenant, rows: number) {
    // Act
    const path = "/v1/endpoints/export?region=ap-guangzhou";
    const plain = await call("GET", path, { auth: tenant.auth });
    const linked = await call("GET", `${path}&download=link`, { auth: tenant.auth });
    // Assess
    expect(linked.status).toBe(200);
    expect(linked.headers.get("linkplane-download")).toBeNull();
    expect(linked.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(linked.headers.get("content-disposition")).toBe(plain.headers.get("content-disposition"));
    expect(linked.text).toBe(plain.text);
    expect(linked.text.split("\r\n").filter(Boolean)).toHaveLength(rows);
  }

  it("changes nothing where the file is answered inline", async () => {
    // Prepare
    awsStore();
    mockUploads();
    await expectFileEitherWay(small, 4);
    expect(uploads).toHaveLength(0);
  });

  it("changes nothing where the file is streamed (locally, no bucket)", async () => {
    await expectFileEitherWay(big, ROWS + 1);
  });

  it("refuses any other value with 400 naming the field, on every export route", async () => {
    // Prepare
    awsStore();
    mockUploads();
    for (const path of await exportPaths(small)) {
      // Act
      const reply = await call("GET", `${path}&download=redirect`, { auth: small.auth });
      // Assess
      expect(reply.status, path).toBe(400);
      expect(reply.body.error, path).toMatchObject({
        code: expect.stringMatching(/^InvalidParameterValue/),
        field: "download",
      });
    }
    expect(uploads).toHaveLength(0);
  });
});

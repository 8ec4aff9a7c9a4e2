import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { BucketStore, givesLinks, objectStore, useObjectStore } from "../../core/storage/index.ts";
import { S3Store } from "../../core/storage/s3.ts";
import { Clock } from "../../core/util/time.ts";
import { installSuiteClock } from "../support/clock.ts";

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

async function* chunks(...parts: string[]) {
  for (const p of parts) yield p;
}

describe("S3Store", () => {
  it("puts the whole file with its SHA-256 checksum and answers size and hash", async () => {
    s3.on(PutObjectCommand).resolves({});
    const store = new S3Store("exports-bucket", new S3Client({ region: "us-east-1" }));
    const stored = await store.put("metric-exports/1/mexp-1/a.csv", chunks("a,b\r\n", "1,2\r\n"), "text/csv");
    const sha = createHash("sha256").update("a,b\r\n1,2\r\n").digest("hex");
    expect(stored).toEqual({ key: "metric-exports/1/mexp-1/a.csv", bytes: 10, sha256: sha });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: "exports-bucket",
      Key: "metric-exports/1/mexp-1/a.csv",
      ContentType: "text/csv",
      ChecksumSHA256: Buffer.from(sha, "hex").toString("base64"),
    });
  });

  it("streams a file back, and answers a missing one as not found", async () => {
    // The SDK's body type: what the store uses of it is transformToWebStream.
    const body = { transformToWebStream: () => Readable.toWeb(Readable.from([Buffer.from("hello")])) };
    s3.on(GetObjectCommand, { Key: "k/there.csv" }).resolves({ Body: body as never });
    s3.on(GetObjectCommand, { Key: "k/gone.csv" }).rejects(new NoSuchKey({ message: "gone", $metadata: {} }));
    const store = new S3Store("b", new S3Client({ region: "us-east-1" }));
    const text = await new Response(await store.get("k/there.csv")).text();
    expect(text).toBe("hello");
    await expect(store.get("k/gone.csv")).rejects.toMatchObject({ code: "ResourceNotFound" });
  });

  it("refuses keys that could climb out of their prefix", async () => {
    const store = new S3Store("b", new S3Client({ region: "us-east-1" }));
    await expect(store.put("../x", chunks("a"), "text/csv")).rejects.toThrow();
  });
});

describe("the export bucket in AWS", () => {
  const region = process.env.AWS_REGION;
  afterEach(() => {
    delete process.env.LINKPLANE_EXPORT_BUCKET;
    if (region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = region;
    Config.reset();
    useObjectStore(undefined);
  });

  it("is the store when a bucket is configured: it gives links, and writes through the S3 client", async () => {
    // Prepare
    process.env.LINKPLANE_EXPORT_BUCKET = "configured-bucket";
    Config.reset();
    useObjectStore(undefined);
    s3.on(PutObjectCommand).resolves({});
    // Act
    const store = objectStore();
    const stored = await store.put("downloads/x/a.csv", chunks("a\r\n"), "text/csv");
    // Assess: the client, loaded on first use, got the configured bucket.
    expect(store).toBeInstanceOf(BucketStore);
    expect(givesLinks(store)).toBe(true);
    expect(stored.bytes).toBe(3);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: "configured-bucket",
      Key: "downloads/x/a.csv",
    });
  });

  it("reads and signs links through the client it loaded", async () => {
    // Prepare: the client takes its region from the environment, as in Lambda.
    process.env.AWS_REGION = "eu-west-1";
    const body = { transformToWebStream: () => Readable.toWeb(Readable.from([Buffer.from("x")])) };
    s3.on(GetObjectCommand).resolves({ Body: body as never });
    const store = new BucketStore("exports-b");
    // Act
    await Promise.all([store.get("k/1.csv"), store.get("k/2.csv")]);
    const url = await store.downloadUrl("k/1.csv", {
      filename: "1.csv",
      contentType: "text/csv",
      expiresInSeconds: 60,
    });
    // Assess
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual(["k/1.csv", "k/2.csv"]);
    expect(new URL(url).host).toBe("exports-b.s3.eu-west-1.amazonaws.com");
    expect(new URL(url).pathname).toBe("/k/1.csv");
  });
});

describe("presigned download URLs", () => {
  const credentials = {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    sessionToken: "token/+=",
  };
  const store = new S3Store("exports", new S3Client({ region: "eu-west-3", credentials }));
  const download = { filename: "a.csv", contentType: "text/csv; charset=utf-8", expiresInSeconds: 900 };

  it("sign the role's session token, the expiry, the clock's time and the download's name and type", async () => {
    // Prepare
    Clock.use(() => Date.parse("2026-11-30T12:00:00Z"));
    try {
      // Act
      const url = new URL(await store.downloadUrl("downloads/1/a.csv", download));
      const renamed = new URL(
        await store.downloadUrl("downloads/1/a.csv", { ...download, filename: "b.csv" }),
      );
      // Assess
      expect(url.host).toBe("exports.s3.eu-west-3.amazonaws.com");
      expect(url.pathname).toBe("/downloads/1/a.csv");
      expect(url.searchParams.get("X-Amz-Security-Token")).toBe("token/+=");
      expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
      expect(url.searchParams.get("X-Amz-Date")).toBe("20261130T120000Z");
      expect(url.searchParams.get("X-Amz-Credential")).toBe(
        "AKIAIOSFODNN7EXAMPLE/20261130/eu-west-3/s3/aws4_request",
      );
      expect(url.searchParams.get("response-content-disposition")).toBe('attachment; filename="a.csv"');
      expect(url.searchParams.get("response-content-type")).toBe("text/csv; charset=utf-8");
      expect(url.searchParams.get("X-Amz-Signature")).not.toBe(renamed.searchParams.get("X-Amz-Signature"));
    } finally {
      installSuiteClock();
    }
  });

  it("refuse a key that could climb out of its prefix", async () => {
    await expect(store.downloadUrl("../secrets", download)).rejects.toThrow();
  });
});

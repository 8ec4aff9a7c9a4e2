import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { S3Store } from "../../core/storage/index.ts";
import { presignGetUrl } from "../../core/storage/presign.ts";
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

describe("presigned download URLs", () => {
  const example = {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  };

  it("signs as S3 documents it (the example in 'Authenticating Requests: Using Query Parameters')", () => {
    // Act
    const url = presignGetUrl({
      bucket: "examplebucket",
      key: "test.txt",
      region: "us-east-1",
      credentials: example,
      expiresInSeconds: 86400,
      now: new Date("2013-05-24T00:00:00Z"),
    });
    // Assess
    expect(url).toBe(
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    );
  });

  it("signs the session token and the download's name and type, so none can be changed", () => {
    // Prepare
    const input = {
      bucket: "exports",
      key: "downloads/1/a.csv",
      region: "eu-west-3",
      credentials: { ...example, sessionToken: "token/+=" },
      expiresInSeconds: 900,
      now: new Date("2026-11-30T12:00:00Z"),
      query: { "response-content-disposition": 'attachment; filename="a.csv"' },
    };
    // Act
    const url = new URL(presignGetUrl(input));
    const renamed = new URL(
      presignGetUrl({ ...input, query: { "response-content-disposition": 'attachment; filename="b.csv"' } }),
    );
    // Assess
    expect(url.host).toBe("exports.s3.eu-west-3.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("token/+=");
    expect(url.searchParams.get("response-content-disposition")).toBe('attachment; filename="a.csv"');
    expect(url.searchParams.get("X-Amz-Signature")).not.toBe(renamed.searchParams.get("X-Amz-Signature"));
  });

  it("S3Store presigns with its client's credentials and region, at the clock's time", async () => {
    // Prepare
    Clock.use(() => Date.parse("2026-11-30T12:34:56Z"));
    const store = new S3Store(
      "exports",
      new S3Client({ region: "ap-singapore", credentials: { ...example, sessionToken: "role-session" } }),
    );
    try {
      // Act
      const url = new URL(
        await store.downloadUrl("downloads/x/e.csv", {
          filename: "e.csv",
          contentType: "text/csv; charset=utf-8",
          expiresInSeconds: 900,
        }),
      );
      // Assess
      expect(url.origin + url.pathname).toBe(
        "https://exports.s3.ap-singapore.amazonaws.com/downloads/x/e.csv",
      );
      expect(url.searchParams.get("X-Amz-Date")).toBe("20261130T123456Z");
      expect(url.searchParams.get("X-Amz-Credential")).toBe(
        "AKIAIOSFODNN7EXAMPLE/20261130/ap-singapore/s3/aws4_request",
      );
      expect(url.searchParams.get("X-Amz-Security-Token")).toBe("role-session");
      expect(url.searchParams.get("response-content-type")).toBe("text/csv; charset=utf-8");
      await expect(
        store.downloadUrl("../x", { filename: "x", contentType: "x", expiresInSeconds: 1 }),
      ).rejects.toThrow();
    } finally {
      installSuiteClock();
    }
  });
});

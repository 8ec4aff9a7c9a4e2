import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { S3Store } from "../../core/storage/index.ts";

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

import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { NotFoundError } from "../errors.ts";
import { Clock } from "../util/time.ts";
import { type Download, type LinkingStore, type Stored, safeKey } from "./index.ts";

/**
 * The export bucket through the S3 client. Its own module because the client is about 170 KB of a bundle:
 * `BucketStore` (index.ts) imports it when a request first reaches the bucket.
 */
export class S3Store implements LinkingStore {
  constructor(
    private readonly bucket: string,
    private readonly client = new S3Client({}),
  ) {}

  async put(key: string, chunks: AsyncIterable<string | Buffer>, contentType: string): Promise<Stored> {
    // Export files are bounded (a period of one account's metrics), so one PutObject of the whole file.
    const parts: Buffer[] = [];
    for await (const chunk of chunks)
      parts.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
    const body = Buffer.concat(parts);
    const sha256 = createHash("sha256").update(body).digest("hex");
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: safeKey(key),
        Body: body,
        ContentType: contentType,
        ChecksumSHA256: Buffer.from(sha256, "hex").toString("base64"),
      }),
    );
    return { key, bytes: body.length, sha256 };
  }

  async get(key: string): Promise<ReadableStream<Uint8Array>> {
    const out = await this.client
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: safeKey(key) }))
      .catch((error: { name?: string }) => {
        if (error.name === "NoSuchKey") throw new NotFoundError("file", key);
        throw error;
      });
    if (!out.Body) throw new NotFoundError("file", key);
    return out.Body.transformToWebStream();
  }

  /**
   * Presigned with the function's own credentials (its role's, with their session token). The download's
   * name and type are signed in, so S3 answers with them and nobody can change them in the URL.
   */
  async downloadUrl(key: string, download: Download): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: safeKey(key),
      ResponseContentDisposition: `attachment; filename="${download.filename}"`,
      ResponseContentType: download.contentType,
    });
    return getSignedUrl(this.client, command, {
      expiresIn: download.expiresInSeconds,
      signingDate: Clock.date(),
    });
  }
}

import { createHash, createHmac } from "node:crypto";

/**
 * A presigned S3 GET URL (Signature Version 4, query parameters), as `@aws-sdk/s3-request-presigner`
 * makes one, written out because that package is not a dependency and the signing is one page: the URL
 * carries the key id, the scope, the expiry and the signature; S3 checks them and the caller needs no
 * credentials. `response-*` parameters are signed too, so S3 answers with the download's file name.
 */
export interface PresignInput {
  bucket: string;
  key: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  expiresInSeconds: number;
  now: Date;
  /** Extra query parameters S3 honours on GET, e.g. `response-content-disposition`. */
  query?: Record<string, string>;
}

/** RFC 3986: everything but A–Z a–z 0–9 - _ . ~ percent-encoded, as SigV4 requires. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

export function presignGetUrl(input: PresignInput): string {
  // Virtual-hosted style; us-east-1 also answers on the global name, which its examples use.
  const host =
    input.region === "us-east-1"
      ? `${input.bucket}.s3.amazonaws.com`
      : `${input.bucket}.s3.${input.region}.amazonaws.com`;
  const amzDate = input.now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${input.region}/s3/aws4_request`;
  const params: Record<string, string> = {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `${input.credentials.accessKeyId}/${scope}`,
    "X-Amz-Date": amzDate,
    "X-Amz-Expires": String(input.expiresInSeconds),
    "X-Amz-SignedHeaders": "host",
    ...(input.credentials.sessionToken ? { "X-Amz-Security-Token": input.credentials.sessionToken } : {}),
    ...input.query,
  };
  const query = Object.keys(params)
    .sort()
    .map((name) => `${encode(name)}=${encode(params[name] as string)}`)
    .join("&");
  const path = `/${input.key.split("/").map(encode).join("/")}`;
  const canonical = ["GET", path, query, `host:${host}`, "", "host", "UNSIGNED-PAYLOAD"].join("\n");
  const toSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    scope,
    createHash("sha256").update(canonical, "utf8").digest("hex"),
  ].join("\n");
  let signingKey = hmac(`AWS4${input.credentials.secretAccessKey}`, day);
  for (const part of [input.region, "s3", "aws4_request"]) signingKey = hmac(signingKey, part);
  const signature = createHmac("sha256", signingKey).update(toSign, "utf8").digest("hex");
  return `https://${host}${path}?${query}&X-Amz-Signature=${signature}`;
}

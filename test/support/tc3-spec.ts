import { createHash, createHmac } from "node:crypto";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

export interface SpecRequest {
  method: "GET" | "POST";
  host: string;
  /** The query string exactly as sent (GET), without `?`. */
  query?: string;
  body?: string;
  contentType: string;
  /** Sign with `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`, as the Python SDK's `unsignedPayload = True` does. */
  unsignedPayload?: boolean;
  timestamp: number;
  service: string;
  secretId: string;
  secretKey: string;
}

/**
 * TC3-HMAC-SHA256 written from the algorithm's specification, independently of the server's code and of
 * the Node SDK, the way the Python SDK builds it: signed headers `content-type;host`, the query string
 * as sent for GET with an empty payload, and the literal "UNSIGNED-PAYLOAD" hashed in place of the body.
 */
export function specAuthorization(r: SpecRequest): { authorization: string; canonicalRequest: string } {
  const payload = r.unsignedPayload ? "UNSIGNED-PAYLOAD" : r.method === "GET" ? "" : (r.body ?? "");
  const canonicalRequest = [
    r.method,
    "/",
    r.method === "GET" ? (r.query ?? "") : "",
    `content-type:${r.contentType}\nhost:${r.host}\n`,
    "content-type;host",
    sha256(payload),
  ].join("\n");
  const date = new Date(r.timestamp * 1000).toISOString().slice(0, 10);
  const scope = `${date}/${r.service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${r.timestamp}\n${scope}\n${sha256(canonicalRequest)}`;
  const key = hmac(hmac(hmac(`TC3${r.secretKey}`, date), r.service), "tc3_request");
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  return {
    canonicalRequest,
    authorization: `TC3-HMAC-SHA256 Credential=${r.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
  };
}

import { VERSION } from "../../functions/api/tencent/index.ts";
import { signature, utcDate } from "../../functions/api/tencent/tc3.ts";
import type { Tenant } from "./api.ts";
import { localApp } from "./api.ts";

export interface TencentCall {
  action: string;
  params?: unknown;
  region?: string;
  query?: string;
}

/** A TC3-HMAC-SHA256-signed request to `POST /`, as the official SDKs send it, through the local app. */
export async function tencent(t: Tenant, input: TencentCall): Promise<{ status: number; body: any }> {
  const body = JSON.stringify(input.params ?? {});
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    host: "localhost",
    "x-tc-action": input.action,
    "x-tc-version": VERSION,
    "x-tc-timestamp": String(timestamp),
    "x-tc-region": input.region ?? "ap-guangzhou",
  };
  const signed = ["content-type", "host"];
  const sig = signature({
    method: "POST",
    path: "/",
    query: input.query ?? "",
    headers: Object.assign(Object.create(null), headers),
    signedHeaders: signed,
    body,
    timestamp,
    service: "vpc",
    secretKey: t.secretKey,
  });
  headers.authorization = `TC3-HMAC-SHA256 Credential=${t.secretId}/${utcDate(timestamp)}/vpc/tc3_request, SignedHeaders=${signed.join(";")}, Signature=${sig}`;
  const url = `http://localhost/${input.query ? `?${input.query}` : ""}`;
  const response = await (await localApp()).request(url, { method: "POST", headers, body });
  return { status: response.status, body: await response.json() };
}

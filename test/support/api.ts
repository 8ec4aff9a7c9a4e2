import { resolve } from "node:path";
import type { Hono } from "hono";
import * as Config from "../../core/config.ts";
import { createLocalApp } from "../../infra/local/server.ts";

const projectRoot = resolve(import.meta.dirname, "../..");
let app: Promise<Hono> | undefined;

/** Every route, dispatched through the registry exactly as `npm start` serves them. */
export function localApp(): Promise<Hono> {
  app ??= createLocalApp(projectRoot);
  return app;
}

export interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface CallOptions {
  auth?: string;
  body?: unknown;
  /** Sent as is, with the given content type (default application/json). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export async function call<T = any>(
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.authorization = options.auth;
  let body: string | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    headers["content-type"] = options.contentType ?? "application/json";
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  const response = await (await localApp()).request(path, { method, headers, body });
  // Decode the bytes as sent: Response.text() would drop a UTF-8 BOM, which exports must carry.
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await response.arrayBuffer());
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: leave the text
  }
  return { status: response.status, body: parsed as T, text, headers: response.headers };
}

export function operatorAuth(): string {
  return `Bearer ${Config.get().operatorToken}`;
}

export interface Tenant {
  uin: string;
  secretId: string;
  secretKey: string;
  auth: string;
}

/** An account with one credential, made through the operator API. */
export async function newTenant(name = "tenant"): Promise<Tenant> {
  const account = await call("POST", "/v1/operator/accounts", { auth: operatorAuth(), body: { name } });
  if (account.status !== 201) throw new Error(`account: ${account.text}`);
  const credential = await call("POST", `/v1/operator/accounts/${account.body.uin}/credentials`, {
    auth: operatorAuth(),
  });
  if (credential.status !== 201) throw new Error(`credential: ${credential.text}`);
  const { secretId, secretKey } = credential.body;
  return { uin: account.body.uin, secretId, secretKey, auth: `Bearer ${secretId}:${secretKey}` };
}

export async function created<T = any>(reply: Promise<Reply<T>>): Promise<T> {
  const r = await reply;
  if (r.status !== 201) throw new Error(`expected 201, got ${r.status}: ${r.text}`);
  return r.body;
}

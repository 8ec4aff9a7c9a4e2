/**
 * The console's only way out: the public REST API, with the credentials the user signed in with. Every
 * path used here is checked against /openapi.json by test/unit/console-api.test.ts, so the console cannot
 * call a route that does not exist.
 */

import type { components, paths } from "./api-schema.ts";

export type Session =
  | { kind: "account"; secretId: string; secretKey: string; region: string }
  | { kind: "operator"; token: string; region: string };

const KEY = "linkplane.session";

export function loadSession(): Session | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

/** An answer other than 2xx, with the API's stable code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

function authHeader(session: Session): string {
  return session.kind === "operator"
    ? `Bearer ${session.token}`
    : `Bearer ${session.secretId}:${session.secretKey}`;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

async function send(method: string, path: string, body?: unknown, query?: Query): Promise<Response> {
  const session = loadSession();
  const headers: Record<string, string> = {};
  if (session) headers.authorization = authHeader(session);
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(withQuery(path, query), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let code = `HTTP ${response.status}`;
    let message = response.statusText;
    let requestId: string | undefined;
    try {
      const parsed = (await response.json()) as {
        error?: { code: string; message: string; requestId?: string };
      };
      if (parsed.error) ({ code, message, requestId } = parsed.error);
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, code, message, requestId);
  }
  return response;
}

export async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  query?: Query,
): Promise<T> {
  const response = await send(method, path, body, query);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A file the API answers (CSV/JSON export), saved through the browser's download. */
export async function download(path: string, query: Query, fallbackName: string): Promise<void> {
  const response = await send("GET", path, undefined, query);
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * The shapes the API answers, from the generated description of /openapi.json (`api-schema.ts`): a
 * field the API renames or retypes breaks the console's type check, not a page at run time.
 */
type Schemas = components["schemas"];
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
/** The 200 answer of `method path`. */
type Answer<P extends keyof paths, M extends "get" | "post"> = paths[P] extends {
  [m in M]: { responses: { 200: infer R } };
}
  ? Json<R>
  : never;

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
export type Tag = Schemas["Endpoint"]["tags"][number];
export type ServiceType = Schemas["EndpointService"]["serviceType"];
export type State = Schemas["Endpoint"]["state"];

export type Account = Schemas["Account"];
export type Credential = Schemas["Credential"] & { secretKey?: Schemas["CredentialCreated"]["secretKey"] };
export type Job = Schemas["Job"];
export type Vpc = Schemas["Vpc"];
export type Subnet = Schemas["Subnet"];
export type BackendInstance = Schemas["BackendInstance"];
export type SecurityGroup = Schemas["SecurityGroup"];
export type EndpointService = Schemas["EndpointService"];
export type Connection = Schemas["Connection"];
export type ConnectionResult = Schemas["ConnectionResult"];
export type HistoryEntry = Schemas["ConnectionHistoryEntry"];
export type AllowlistEntry = Schemas["AllowlistEntry"];
export type AllowlistRemoveResult = Schemas["AllowlistRemoveResult"];
export type Endpoint = Schemas["Endpoint"];
export type Binding = Schemas["SecurityGroupBinding"];
export type Verify = Answer<"/v1/endpoint-services/{id}/verify", "post">;
export type MetricView = Schemas["MetricView"];
export type Series = MetricView["series"][number];
export type Comparison = Schemas["MetricComparison"];
export type ComparedPoint = Comparison["series"][number]["points"][number];
export type MetricExport = Schemas["MetricExport"];
export type MetricExportRun = Schemas["MetricExportRun"];
export type Webhook = Schemas["WebhookSubscription"] & {
  secret?: Schemas["WebhookSubscriptionWithSecret"]["secret"];
};
export type WebhookMessage = Schemas["WebhookMessage"] & {
  attempts?: Schemas["WebhookMessageDetail"]["attempts"];
};
export type Attempt = Schemas["WebhookMessageDetail"]["attempts"][number];

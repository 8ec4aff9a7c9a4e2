/**
 * The console's only way out: the public REST API, with the credentials the user signed in with. Every
 * path used here is checked against /openapi.json by test/unit/console-api.test.ts, so the console cannot
 * call a route that does not exist.
 */

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

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
export interface Tag {
  key: string;
  value: string;
}
export type ServiceType = "CLB" | "CDB" | "CRS";
export type State = "pending" | "accepting" | "available" | "rejected" | "failed";

export interface Account {
  uin: string;
  appId: string;
  name: string;
  createdAt: string;
}
export interface Credential {
  secretId: string;
  ownerUin: string;
  status: "enabled" | "disabled";
  createdAt: string;
  secretKey?: string;
}
export interface Job {
  name: string;
  schedule: string;
  description: string;
  lastRun?: { status: string; startedAt: string; durationMs: number; trigger: string; error?: string } | null;
}
export interface Vpc {
  id: string;
  name: string;
  region: string;
  cidrBlock: string;
  subnetCount: number;
  createdAt: string;
}
export interface Subnet {
  id: string;
  name: string;
  region: string;
  vpcId: string;
  zone: string;
  cidrBlock: string;
  availableIpCount: number;
  totalIpCount: number;
  createdAt: string;
}
export interface BackendInstance {
  id: string;
  type: ServiceType;
  name: string;
  region: string;
  vpcId: string;
  vip: string;
  port: number;
  createdAt: string;
}
export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  region: string;
  createdAt: string;
}
export interface EndpointService {
  id: string;
  name: string;
  region: string;
  vpcId: string;
  serviceType: ServiceType;
  backendInstanceId: string;
  serviceVip: string;
  autoAccept: boolean;
  ownerUin: string;
  endpointCount: number;
  createdAt: string;
  tags: Tag[];
}
export interface Connection {
  endpointId: string;
  endpointName: string;
  ownerUin: string;
  vpcId: string;
  subnetId: string;
  ip: string;
  state: State;
  stateChangedAt: string;
  createdAt: string;
}
export type ConnectionResult =
  | { endpointId: string; ok: true; state: State }
  | { endpointId: string; ok: false; error: { code: string; message: string } };
export interface HistoryEntry {
  sequence: number;
  from: string;
  to: string;
  actor: string;
  at: string;
  reason: string;
}
export interface AllowlistEntry {
  uin: string;
  description: string;
  connectionLimit: number | null;
  connectionCount: number;
  createdAt: string;
}
export type AllowlistRemoveResult =
  | { uin: string; ok: true; rejectedConnections: number }
  | { uin: string; ok: false; error: { code: string; message: string } };
export interface Endpoint {
  id: string;
  name: string;
  region: string;
  vpcId: string;
  subnetId: string;
  ip: string;
  endpointServiceId: string;
  serviceName: string;
  serviceOwnerUin: string;
  state: State;
  ownerUin: string;
  securityGroupIds: string[];
  createdAt: string;
  tags: Tag[];
  serviceDeleted: boolean;
}
export interface Binding {
  securityGroupId: string;
  priority: number;
}
export interface Verify {
  connectable: boolean;
  service?: { id: string; name: string; ownerUin: string; serviceType: string; autoAccept: boolean };
  reason?: { code: string; message: string };
}
export interface Series {
  metric: string;
  stat: string;
  unit: string;
  points: { t: number; value: number | null }[];
}
export interface MetricView {
  granularity: string;
  from: number;
  to: number;
  series: Series[];
}
export interface ComparedPoint {
  t: number;
  value: number | null;
  compareT: number;
  compareValue: number | null;
  diff: number | null;
  pct: number | null;
}
export interface Comparison {
  granularity: string;
  from: number;
  to: number;
  compareFrom: number;
  compareTo: number;
  series: {
    metric: string;
    stat: string;
    unit: string;
    points: ComparedPoint[];
    totals: { value: number | null; compareValue: number | null; diff: number | null; pct: number | null };
  }[];
}
export interface MetricExport {
  id: string;
  name: string;
  resources: "all" | string[];
  metrics: string[];
  granularity: "1h" | "1d";
  format: "csv" | "ndjson";
  schedule: "hourly" | "daily";
  status: "active" | "paused";
  createdAt: string;
}
export interface MetricExportRun {
  runId: string;
  periodFrom: string;
  periodTo: string;
  status: string;
  rows: number | null;
  bytes: number | null;
  error: string | null;
  attempts: number;
  finishedAt: string;
}
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string;
  serviceIds: string[] | null;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  secret?: string;
}
export interface Attempt {
  at: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  response: string;
  trigger: string;
}
export interface WebhookMessage {
  id: string;
  eventId: string;
  eventType: string;
  status: "pending" | "delivered" | "failed";
  createdAt: string;
  nextAttemptAt: string | null;
  attemptCount: number;
  payload: unknown;
  attempts?: Attempt[];
}

/**
 * The console's only way out: the public REST API, with the credentials the user signed in with, through
 * a client generated from /openapi.json (`api-schema.ts`, openapi-fetch). Paths, path and query
 * parameters and request bodies are checked against the API's description by the console's type check,
 * so a wrong path or body field fails `tsc -p console/tsconfig.json`; test/unit/console-api.test.ts also
 * checks every path against the live /openapi.json.
 */

import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./api-schema.ts";
import { whatToSave } from "./download.ts";

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

/** Every request carries the signed-in session's credentials, read when it is sent (sign-in changes them). */
const authorize: Middleware = {
  onRequest({ request }) {
    const session = loadSession();
    if (session) request.headers.set("authorization", authHeader(session));
    return request;
  },
};

/** A non-2xx answer becomes an ApiError with the API's code, message and request ID, for every call. */
const failLoudly: Middleware = {
  async onResponse({ response }) {
    if (response.ok) return undefined;
    let code = `HTTP ${response.status}`;
    let message = response.statusText;
    let requestId: string | undefined;
    try {
      const parsed = (await response.clone().json()) as components["schemas"]["Error"];
      if (parsed.error) ({ code, message, requestId } = parsed.error);
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, code, message, requestId);
  },
};

/**
 * Empty form fields mean "not given", as they did for the API's own query parsing: a search box left
 * empty sends no `q=` rather than a search for "".
 */
function querySerializer(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  return params.toString();
}

/** The typed client: `client.GET("/v1/endpoints/{id}", { params: { path: { id } } })`. */
export const client = createClient<paths>({ querySerializer });
client.use(authorize, failLoudly);

/**
 * The body of a call's 2xx answer (`await ok(client.GET(...))`). Any other answer has already thrown an
 * ApiError in `failLoudly`, so there is no error branch left to handle.
 */
export async function ok<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  return (await call).data as T;
}

/**
 * A listing that can be narrowed to chosen `fields` declares every field of its rows optional; the
 * console never narrows, so the API answers them all. Typed, so a row field must still be one of T's.
 */
export function allFields<T>(
  page: Promise<{ items: Partial<T>[]; nextCursor: string | null }>,
): Promise<Page<T>> {
  return page as Promise<Page<T>>;
}

/**
 * A file the API answers (CSV/JSON export, a run's file), saved through the browser's download. Every
 * download is asked with `download=link` (`LINK`): where the API answers the file's link instead (in AWS,
 * a file in the export bucket), the page navigates to it, which the CSP's connect-src does not govern, and
 * S3 answers it as an attachment named by the signed `response-content-disposition`, so the page stays.
 */
export async function download(
  call: Promise<{ data?: Blob; response: Response }>,
  fallbackName: string,
): Promise<void> {
  const { data, response } = await call;
  const saving = await whatToSave(response, data ?? new Blob([]), fallbackName);
  if ("link" in saving) {
    click(saving.link.url);
    return;
  }
  const url = URL.createObjectURL(saving.file);
  click(url, saving.name);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** What every download asks for: the link rather than a redirect fetch cannot follow. */
export const LINK = { download: "link" } as const;

function click(href: string, name?: string): void {
  const a = document.createElement("a");
  a.href = href;
  if (name) a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * The shapes the API answers, from the generated description of /openapi.json (`api-schema.ts`): a
 * field the API renames or retypes breaks the console's type check, not a page at run time.
 */
type Schemas = components["schemas"];

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
export type Tag = Schemas["Endpoint"]["tags"][number];
export type ServiceType = Schemas["EndpointService"]["serviceType"];
export type State = Schemas["Endpoint"]["state"];

export type Account = Schemas["Account"];
export type Credential = Schemas["Credential"] & { secretKey?: Schemas["CredentialCreated"]["secretKey"] };
export type Vpc = Schemas["Vpc"];
export type Subnet = Schemas["Subnet"];
export type BackendInstance = Schemas["BackendInstance"];
export type SecurityGroup = Schemas["SecurityGroup"];
export type EndpointService = Schemas["EndpointService"];
/**
 * A service as lists show it: all of it for the caller's own, only these fields for another account's
 * that allowlists the caller ("services I may connect to").
 */
export type ListedService = Pick<
  EndpointService,
  "id" | "name" | "serviceType" | "autoAccept" | "ownerUin" | "region" | "createdAt"
> &
  Partial<EndpointService>;
export type AllowlistEntry = Schemas["AllowlistEntry"];
export type Connection = Schemas["Connection"];
export type HistoryEntry = Schemas["ConnectionHistoryEntry"];
export type Endpoint = Schemas["Endpoint"];
export type MetricExport = Schemas["MetricExport"];
export type Webhook = Schemas["WebhookSubscription"] & {
  secret?: Schemas["WebhookSubscriptionWithSecret"]["secret"];
};
export type WebhookMessage = Schemas["WebhookMessage"] & {
  attempts?: Schemas["WebhookMessageDetail"]["attempts"];
};

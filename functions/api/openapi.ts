import * as z from "zod";
import { ERROR_CODES, type ErrorCodeInfo, statusOfKind } from "../../core/errors.ts";
import type { AuthMode } from "./middleware.ts";

/** Shapes and helpers shared by every route's OpenAPI description. */

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "ResourceNotFound" }),
      message: z.string(),
      requestId: z.string(),
      field: z.string().optional(),
    }),
  })
  .openapi("Error");

type OperationObject = {
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in?: string }>;
  requestBody?: unknown;
  responses?: Record<string, unknown>;
  operationId?: string;
  description?: string;
};

/** The codes an operation's shape alone can earn it, whatever it does. */
function shapeCodes(op: OperationObject): string[] {
  const codes = ["UnknownParameter", "RequestLimitExceeded", "InternalError", "ResourceUnavailable"];
  const where = new Set((op.parameters ?? []).map((p) => p.in));
  if (where.has("query"))
    codes.push("InvalidParameterValue", "InvalidParameterValue.Malformed", "InvalidParameterValue.Range");
  if (where.has("path")) codes.push("ResourceNotFound");
  if (op.requestBody)
    codes.push(
      "MissingParameter",
      "InvalidParameter",
      "InvalidParameter.MalformedBody",
      "InvalidParameterValue",
      "InvalidParameterValue.Malformed",
      "InvalidParameterValue.TooLong",
      "InvalidParameterValue.Range",
      "RequestSizeLimitExceeded",
      "InvalidParameter.ContentType",
    );
  const schemes = new Set((op.security ?? []).flatMap((s) => Object.keys(s)));
  if (schemes.has("accountCredentials"))
    codes.push(
      "AuthFailure.InvalidAuthorization",
      "AuthFailure.SecretIdNotFound",
      "AuthFailure.SignatureFailure",
    );
  else if (schemes.size > 0) codes.push("AuthFailure.InvalidAuthorization");
  return codes;
}

/**
 * The error answers of one operation, by status, each naming the codes it can carry: those its shape
 * earns (a body: 400 MalformedBody, 413, 415; a path ID: 404; credentials: 401; every route: 429, 500,
 * 503) and those particular to it (operations.ts). Statuses come from each code's kind in the catalogue
 * (core/errors.ts), so a GET never advertises 409 or 413 and a 403 appears where one is answered.
 */
export function errorResponsesFor(op: OperationObject, extra: string[] = []): Record<string, object> {
  const wanted = new Set([...shapeCodes(op), ...extra]);
  const byStatus = new Map<number, ErrorCodeInfo[]>();
  for (const info of ERROR_CODES) {
    if (!wanted.has(info.code) || info.surface !== "both") continue;
    // The 409 ResourceUnavailable (a service being deleted) only where an operation names it.
    if (info.code === "ResourceUnavailable" && info.kind !== "unavailable" && !extra.includes(info.code))
      continue;
    const status = statusOfKind(info.kind);
    byStatus.set(status, [...(byStatus.get(status) ?? []), info]);
  }
  for (const code of wanted)
    if (!ERROR_CODES.some((e) => e.code === code)) throw new Error(`${code} is not in core/errors.ts`);
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, infos]) => [
        String(status),
        {
          description: infos.map((i) => `\`${i.code}\`: ${i.meaning}`).join("\n\n"),
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      ]),
  );
}

/** Exports and files in AWS, too large for a Lambda response (functions/api/csv.ts). */
export const DOWNLOAD_REDIRECT = {
  description:
    "In AWS, when the file is larger than a Lambda response (6 MB) or is a stored file: the file's download URL, valid 15 minutes, in Location. Browsers, fetch and `curl -L` follow it",
  headers: { Location: { description: "Presigned S3 URL of the file", schema: { type: "string" as const } } },
};

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { "application/json": { schema } } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const securitySchemes = {
  ingestToken: {
    type: "http",
    scheme: "bearer",
    description: "The ingest token (LINKPLANE_INGEST_TOKEN) or the operator token.",
  },
  operatorToken: {
    type: "http",
    scheme: "bearer",
    description: "The operator token (LINKPLANE_OPERATOR_TOKEN).",
  },
  tc3Signature: {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "A TC3-HMAC-SHA256 signature made with a Linkplane SecretId/SecretKey, as the Tencent Cloud SDKs make it (docs/tencent-api.md).",
  },
  accountCredentials: {
    type: "http",
    scheme: "bearer",
    description: "An account credential as `<SecretId>:<SecretKey>`, e.g. `Bearer AKIDxxxx:yyyy`.",
  },
} as const;

export function security(auth: AuthMode) {
  if (auth === "operator") return [{ operatorToken: [] }];
  if (auth === "account") return [{ accountCredentials: [] }];
  if (auth === "ingest") return [{ ingestToken: [] }];
  // Stated, not left out: an operation without `security` would be read as "not described".
  return [];
}

export const IdParam = (name: string, example: string) =>
  z.object({
    id: z
      .string()
      .max(64)
      .openapi({ param: { name: "id", in: "path" }, example, description: name }),
  });

/**
 * Names a schema from `core/` as an OpenAPI component. zod copies prototype methods onto each instance
 * when it is built, so a schema built before @hono/zod-openapi patched zod (any import order can do
 * that) has no `.openapi`; a clone made now has it.
 */
export function named<T extends z.ZodType>(schema: T, name: string): T {
  const usable =
    typeof (schema as { openapi?: unknown }).openapi === "function"
      ? schema
      : new (schema.constructor as new (def: unknown) => T)(schema._zod.def);
  return usable.openapi(name);
}

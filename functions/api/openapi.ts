import * as z from "zod";
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

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorBody } },
});

/** Exports and files in AWS, too large for a Lambda response (functions/api/csv.ts). */
export const DOWNLOAD_REDIRECT = {
  description:
    "In AWS, when the file is larger than a Lambda response (6 MB) or is a stored file: the file's download URL, valid 15 minutes, in Location. Browsers, fetch and `curl -L` follow it",
  headers: { Location: { description: "Presigned S3 URL of the file", schema: { type: "string" as const } } },
};

/** The error answers every authenticated route may give. */
export const errorResponses = {
  400: errorResponse(
    "Invalid input: MissingParameter, UnknownParameter, InvalidParameter, InvalidParameterValue.*",
  ),
  401: errorResponse("AuthFailure.*"),
  404: errorResponse("ResourceNotFound"),
  409: errorResponse("ResourceInUse, LimitExceeded"),
  413: errorResponse("RequestSizeLimitExceeded: bodies are limited to 1 MiB"),
  429: errorResponse("RequestLimitExceeded: retry with backoff"),
  500: errorResponse("InternalError"),
} as const;

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

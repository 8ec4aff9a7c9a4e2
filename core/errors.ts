/**
 * One error hierarchy for every surface. Codes are the reference product's (Tencent Cloud API 3.0), so the
 * Tencent-compatible surface passes them through unchanged and REST clients can switch on them. The `kind`
 * decides the HTTP status on the REST surface; the code is what clients should match.
 */

export type ErrorKind =
  | "invalid"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "limit"
  | "too_large"
  | "unsupported_media"
  | "throttled"
  | "unavailable"
  | "internal";

const statusByKind: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  // A full quota is a conflict with the account's current state, not a rate limit: 429 would invite retries.
  limit: 409,
  too_large: 413,
  unsupported_media: 415,
  throttled: 429,
  internal: 500,
  unavailable: 503,
};

/** The HTTP status the REST surface answers for an error of this kind. */
export function statusOfKind(kind: ErrorKind): number {
  return statusByKind[kind];
}

/** Where a code can be answered: both surfaces, or only the Tencent-compatible one at `POST /`. */
export type ErrorSurface = "both" | "tencent";

export interface ErrorCodeInfo {
  code: string;
  kind: ErrorKind;
  /** When it is answered, for the generated table (docs/errors.md) and the OpenAPI responses. */
  meaning: string;
  surface: ErrorSurface;
}

// Calls to it have no side effects, so a bundle that never reads ERROR_CODES (every function but the
// OpenAPI document's) leaves the catalogue and its descriptions out.
const code = /* @__NO_SIDE_EFFECTS__ */ (
  code: string,
  kind: ErrorKind,
  meaning: string,
  surface: ErrorSurface = "both",
): ErrorCodeInfo => ({
  code,
  kind,
  meaning,
  surface,
});

/**
 * Every code a client can be answered, with its kind (so its status) and when. A code may appear under
 * two kinds when two situations share the reference product's name. test/unit/errors.test.ts fails when
 * the sources throw a code missing here, and when docs/errors.md is not this table
 * (`npm run docs:errors` writes it).
 */
export const ERROR_CODES: readonly ErrorCodeInfo[] = [
  code(
    "MissingParameter",
    "invalid",
    "A required field or parameter is absent, or an update changes nothing.",
  ),
  code("UnknownParameter", "invalid", "A body field or query parameter the operation does not take."),
  code("InvalidParameter", "invalid", "A field of the wrong type (a string where a number belongs, …)."),
  code("InvalidParameter.MalformedBody", "invalid", "The request body is not valid JSON."),
  code("InvalidParameter.FilterInvalidKey", "invalid", "A filter name the action does not take.", "tencent"),
  code("InvalidParameter.Coexist", "invalid", "IDs and Filters given together.", "tencent"),
  code("InvalidParameterValue", "invalid", "A value the rules refuse; the message says which rule."),
  code(
    "InvalidParameterValue.Malformed",
    "invalid",
    "A value not in its format: an address, a CIDR block, a time, a cursor.",
  ),
  code("InvalidParameterValue.TooLong", "invalid", "A string or list longer than its limit."),
  code(
    "InvalidParameterValue.Range",
    "invalid",
    "A number outside its range, or a list with too few or too many items.",
  ),
  code(
    "InvalidParameterValue.Reserved",
    "invalid",
    "An address or name that is reserved (a subnet's network, gateway or broadcast address, …).",
  ),
  code(
    "InvalidParameterValue.SubnetConflict",
    "invalid",
    "A subnet's block overlaps another subnet of the VPC.",
  ),
  code(
    "UnsupportedOperation.VpcMismatch",
    "invalid",
    "The resources named are in different VPCs or regions (a subnet not in the VPC, a service in another region).",
  ),
  code(
    "UnsupportedOperation.InstanceMismatch",
    "invalid",
    "The backend instance is not of the service's type (a CDB instance behind a CLB service).",
  ),
  code("UnsupportedOperation.UinNotFound", "invalid", "The account to allowlist does not exist."),
  code("InvalidAction", "invalid", "X-TC-Action names no action served here.", "tencent"),
  code("UnsupportedRegion", "invalid", "X-TC-Region is not a region this deployment serves.", "tencent"),
  code("AuthFailure", "unauthenticated", "Authentication failed for another reason than those below."),
  code(
    "AuthFailure.InvalidAuthorization",
    "unauthenticated",
    "No Authorization header, one of the wrong form, or a wrong operator or ingest token.",
  ),
  code("AuthFailure.SecretIdNotFound", "unauthenticated", "The SecretId does not exist, or is disabled."),
  code(
    "AuthFailure.SignatureFailure",
    "unauthenticated",
    "The SecretKey or the TC3 signature does not match.",
  ),
  code(
    "AuthFailure.SignatureExpire",
    "unauthenticated",
    "The TC3 request's timestamp is too far from now.",
    "tencent",
  ),
  code(
    "AuthFailure.SignatureReplay",
    "unauthenticated",
    "The same signed TC3 request was sent twice.",
    "tencent",
  ),
  code(
    "ResourceUnavailable.ServiceWhiteListNotAdded",
    "forbidden",
    "The caller's account is not on the endpoint service's allowlist.",
  ),
  code(
    "ResourceNotFound",
    "not_found",
    "No such resource, or it belongs to another account (the two look the same).",
  ),
  code(
    "ResourceInUse",
    "conflict",
    "The resource is in use (a VPC with subnets, a service with live connections) or taken (an address, a UIN, an allowlist entry).",
  ),
  code(
    "ResourceUnavailable",
    "conflict",
    "The endpoint service is being deleted: its connections can only be rejected.",
  ),
  code(
    "IdempotentParameterMismatch",
    "conflict",
    "A clientToken used before with other parameters (tokens are kept 24 hours).",
  ),
  code(
    "LimitExceeded",
    "limit",
    "A quota is full (services per account, endpoints per service, subnets per VPC, …).",
  ),
  code("ResourceInsufficient.Subnet", "limit", "The subnet has no free address left."),
  code("RequestSizeLimitExceeded", "too_large", "The request body is larger than 1 MiB."),
  code(
    "InvalidParameter.ContentType",
    "unsupported_media",
    "A body sent without Content-Type: application/json.",
  ),
  code(
    "RequestLimitExceeded",
    "throttled",
    "The table throttled, or a concurrent change to the same resource won; retry with backoff.",
  ),
  code("InternalError", "internal", "A fault on the server's side; never with details."),
  code("ResourceUnavailable", "unavailable", "The table did not answer in time; retry."),
];

export interface ErrorOptions {
  /** The request field at fault, as a dotted path (`tags.0.key`). */
  field?: string;
  cause?: unknown;
}

export class LinkplaneError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly field: string | undefined;

  constructor(kind: ErrorKind, code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.code = code;
    this.field = options.field;
  }

  get status(): number {
    return statusByKind[this.kind];
  }
}

/** A request field is missing, of the wrong type, unknown, or has a value the rules refuse. */
export class InvalidParameterError extends LinkplaneError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super("invalid", code, message, options);
  }

  static missing(field: string) {
    return new InvalidParameterError("MissingParameter", `${field} is required`, { field });
  }
  static value(field: string, message: string) {
    return new InvalidParameterError("InvalidParameterValue", `${field}: ${message}`, { field });
  }
  static malformed(field: string, message: string) {
    return new InvalidParameterError("InvalidParameterValue.Malformed", `${field}: ${message}`, { field });
  }
}

export class AuthFailureError extends LinkplaneError {
  constructor(code = "AuthFailure", message = "authentication failed", options: ErrorOptions = {}) {
    super("unauthenticated", code, message, options);
  }
}

/** Missing and someone else's look the same: a stranger must not learn that an ID exists. */
export class NotFoundError extends LinkplaneError {
  constructor(resource: string, id: string, options: ErrorOptions = {}) {
    super("not_found", "ResourceNotFound", `${resource} ${id} does not exist`, options);
  }
}

export class ResourceInUseError extends LinkplaneError {
  constructor(message: string, options: ErrorOptions = {}) {
    super("conflict", "ResourceInUse", message, options);
  }
}

export class ConflictError extends LinkplaneError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super("conflict", code, message, options);
  }
}

export class LimitExceededError extends LinkplaneError {
  constructor(message: string, options: ErrorOptions = {}) {
    super("limit", "LimitExceeded", message, options);
  }
}

/** The request is well formed but the resources it names do not fit together (`UnsupportedOperation.*`). */
export class UnsupportedOperationError extends LinkplaneError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super("invalid", code, message, options);
  }
}

export class RequestTooLargeError extends LinkplaneError {
  constructor(limitBytes: number) {
    super("too_large", "RequestSizeLimitExceeded", `request body exceeds ${limitBytes} bytes`);
  }
}

export class ThrottledError extends LinkplaneError {
  constructor(message = "too many requests; retry with backoff", options: ErrorOptions = {}) {
    super("throttled", "RequestLimitExceeded", message, options);
  }
}

export class ServiceUnavailableError extends LinkplaneError {
  constructor(message = "a dependency did not answer in time; retry", options: ErrorOptions = {}) {
    super("unavailable", "ResourceUnavailable", message, options);
  }
}

export class InternalError extends LinkplaneError {
  constructor(message = "an internal error occurred", options: ErrorOptions = {}) {
    super("internal", "InternalError", message, options);
  }
}

export function isLinkplaneError(error: unknown): error is LinkplaneError {
  return error instanceof LinkplaneError;
}

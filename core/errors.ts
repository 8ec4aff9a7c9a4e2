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

export class UnauthorizedOperationError extends LinkplaneError {
  constructor(message = "the caller may not perform this operation", options: ErrorOptions = {}) {
    super("forbidden", "UnauthorizedOperation", message, options);
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

import type * as z from "zod";
import { InvalidParameterError } from "./errors.ts";

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * The first zod issue as a domain error naming the field, with the reference product's codes:
 * MissingParameter, UnknownParameter, InvalidParameter (wrong type), InvalidParameterValue(.TooLong,
 * .Range, .Malformed).
 */
export function issueToError(issue: z.core.$ZodIssue, input: unknown): InvalidParameterError {
  const path = issue.path.map(String);
  const field = path.join(".") || "body";
  switch (issue.code) {
    case "unrecognized_keys": {
      const key = [...path, issue.keys[0] ?? ""].join(".");
      return new InvalidParameterError("UnknownParameter", `unknown field ${key}`, { field: key });
    }
    case "invalid_type":
      if (valueAt(input, issue.path) === undefined) return InvalidParameterError.missing(field);
      return new InvalidParameterError("InvalidParameter", `${field}: expected ${issue.expected}`, { field });
    case "too_big":
      if (issue.origin === "string" || issue.origin === "array") {
        return new InvalidParameterError("InvalidParameterValue.TooLong", `${field}: ${issue.message}`, {
          field,
        });
      }
      return new InvalidParameterError("InvalidParameterValue.Range", `${field}: ${issue.message}`, {
        field,
      });
    case "too_small":
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") {
        return new InvalidParameterError("InvalidParameterValue.Range", `${field}: ${issue.message}`, {
          field,
        });
      }
      return InvalidParameterError.value(field, issue.message);
    case "invalid_format":
      return InvalidParameterError.malformed(field, issue.message);
    default:
      return InvalidParameterError.value(field, issue.message);
  }
}

/** Parses `input` or throws the InvalidParameterError for its first problem. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw InvalidParameterError.value("body", "is invalid");
  throw issueToError(issue, input);
}

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

// Cc: the C0 controls, DEL and the C1 controls (U+0000–U+001F, U+007F–U+009F). No free-text field needs
// one (names, descriptions, reasons and tags are single-line), and NUL, ESC and CR in stored text end up in
// CSV exports and in other people's terminals.
const CONTROL = /\p{Cc}/u;
// In a `u` regex a well-formed surrogate pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * The one policy for free text: every string a caller sends (body, query, path, Tencent parameters) must
 * be well-formed UTF-16 without control characters. Throws InvalidParameterValue naming the field.
 *
 * @example checkText({ tags: [{ key: "a\u0000" }] }) // throws, field "tags.0.key"
 */
export function checkText(value: unknown, path: string[] = []): void {
  if (typeof value === "string") {
    const field = path.join(".") || "body";
    if (CONTROL.test(value)) {
      throw InvalidParameterError.value(
        field,
        "must not contain control characters (U+0000–U+001F, U+007F–U+009F)",
      );
    }
    if (LONE_SURROGATE.test(value)) throw InvalidParameterError.value(field, "is not valid Unicode text");
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkText(item, [...path, String(i)]);
    return;
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) checkText(item, [...path, key]);
  }
}

/** Parses `input` or throws the InvalidParameterError for its first problem; free text is checked too. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    checkText(result.data);
    return result.data;
  }
  const issue = result.error.issues[0];
  if (!issue) throw InvalidParameterError.value("body", "is invalid");
  throw issueToError(issue, input);
}

import * as z from "zod";
import { InvalidParameterError } from "../errors.ts";

/** Service and endpoint names: 1–80 of a–z, A–Z, 0–9, `_`, `-` and Chinese (Han) characters. */
export const LinkName = z
  .string()
  .min(1)
  .max(80)
  // A refinement, not a regex check: the reference answers a bad name with plain InvalidParameterValue.
  .refine((name) => /^[A-Za-z0-9_\-\p{Script=Han}]+$/u.test(name), {
    error: "may hold only letters, digits, _ and - and Chinese characters",
  });

/**
 * Tag keys become attribute names in the stored `tags` map, and the SDK's marshaller cannot keep these
 * two: `__proto__` is dropped without a word and `constructor` fails the whole write. Refused up front.
 */
export const RESERVED_TAG_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor"]);

export const Tag = z.strictObject({
  key: z
    .string()
    .min(1)
    .max(127)
    .refine((key) => !RESERVED_TAG_KEYS.has(key), { error: "is reserved; choose another tag key" }),
  value: z.string().max(255),
});
export type Tag = z.infer<typeof Tag>;

/** Up to 50 tags, keys unique. Stored as a map so listings can filter on `tags.<key>`. */
export const Tags = z
  .array(Tag)
  .max(50)
  .refine((tags) => new Set(tags.map((t) => t.key)).size === tags.length, {
    error: "tag keys must be unique",
  });

export function tagsToMap(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));
}

export function tagsFromMap(map: Record<string, string> | undefined): Tag[] {
  return Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));
}

/**
 * Connection states. `accepting` is an automatic acceptance in flight (the stream consumer finishes it);
 * `failed` is reserved for an acceptance that cannot complete. Each maps to the reference product's
 * word for it.
 */
export const ConnectionState = z.enum(["pending", "accepting", "available", "rejected", "failed"]);
export type ConnectionState = z.infer<typeof ConnectionState>;

export const REFERENCE_STATE: Record<ConnectionState, string> = {
  pending: "PENDING",
  accepting: "ACCEPTING",
  available: "ACTIVE",
  rejected: "REJECTED",
  failed: "FAILED",
};

/** States that hold a service: a live connection blocks deletion unless rejected first. */
export const LIVE_STATES: ReadonlySet<ConnectionState> = new Set(["pending", "accepting", "available"]);

/** Filters every listing takes: search, tags, and columns to show. */
export interface ListFilters {
  q?: string;
  tags?: Record<string, string>;
}

/**
 * A FilterExpression for `q` (exact ID or case-insensitive name substring) and `tag:key=value` filters.
 * Applied within the caller's own index partition, so it never widens what a query can see.
 */
export function filterExpression(filters: ListFilters, extra: Array<[string, string, unknown]> = []) {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filters.q) {
    names["#id"] = "id";
    names["#nl"] = "nameLower";
    values[":q"] = filters.q;
    values[":ql"] = filters.q.toLowerCase();
    parts.push("(#id = :q OR contains(#nl, :ql))");
  }
  Object.entries(filters.tags ?? {}).forEach(([key, value], i) => {
    names["#tags"] = "tags";
    names[`#tk${i}`] = key;
    values[`:tv${i}`] = value;
    parts.push(`#tags.#tk${i} = :tv${i}`);
  });
  extra.forEach(([attribute, operator, value], i) => {
    names[`#x${i}`] = attribute;
    values[`:x${i}`] = value;
    parts.push(`#x${i} ${operator} :x${i}`);
  });
  if (parts.length === 0) return undefined;
  return {
    FilterExpression: parts.join(" AND "),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** `tag:env=prod&tag:team=db` from a query object. */
export function tagFilters(query: Record<string, string | undefined>): Record<string, string> | undefined {
  const tags = Object.entries(query).filter(([k, v]) => k.startsWith("tag:") && v !== undefined);
  if (tags.length === 0) return undefined;
  if (tags.length > 10) throw InvalidParameterError.value("tag", "at most 10 tag filters");
  for (const [k, v] of tags) {
    if (RESERVED_TAG_KEYS.has(k.slice(4))) throw InvalidParameterError.value(k, "is a reserved tag key");
    if (k.length < 5 || k.length > 131 || (v as string).length > 255) {
      throw InvalidParameterError.value(
        "tag",
        `${k} needs a key of 1 to 127 characters and a value of at most 255`,
      );
    }
  }
  return Object.fromEntries(tags.map(([k, v]) => [k.slice(4), v as string]));
}

/**
 * Keeps only the chosen fields of each item (the console's "customize fields"); `id` is always kept.
 * Unknown names are a 400 naming `fields`.
 */
export function chooseFields<T extends Record<string, unknown>>(
  known: readonly string[],
  fields: string | undefined,
) {
  if (!fields) return undefined;
  const chosen = fields
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = chosen.filter((f) => !known.includes(f));
  if (unknown.length > 0) {
    throw InvalidParameterError.value(
      "fields",
      `unknown field ${unknown[0]}; choose from ${known.join(", ")}`,
    );
  }
  const keep = ["id", ...chosen.filter((f) => f !== "id")];
  return (item: T) => Object.fromEntries(keep.map((f) => [f, item[f]])) as Partial<T>;
}

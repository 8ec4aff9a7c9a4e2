import type { Context } from "hono";
import * as z from "zod";
import type { Page, PageParams as PageParamsType } from "../../../core/db/page.ts";
import { PageParams } from "../../../core/db/page.ts";
import { InvalidParameterError } from "../../../core/errors.ts";
import { ConnectionState, chooseFields, tagFilters } from "../../../core/privatelink/common.ts";

/**
 * `tag:<key>=<value>` filters (up to 10, ANDed). Declared under a pattern key so the query policy accepts
 * them (functions/api/input-policy.ts) and the document shows them; `tagsOf` reads their values.
 */
const TagFilter = {
  "tag:{key}": z
    .string()
    .max(255)
    .optional()
    .openapi({ description: "Only items whose tag `key` has this value, e.g. `tag:env=prod`; up to 10" }),
};

/** Query parameters every Private Link listing takes. */
export const ListQuery = PageParams.extend({
  ...TagFilter,
  region: z
    .string()
    .max(32)
    .optional()
    .openapi({ description: "Only this region; all regions when omitted" }),
  q: z
    .string()
    .min(1)
    .max(80)
    .optional()
    .openapi({ description: "Exact ID, or a case-insensitive part of the name" }),
  vpcId: z.string().max(32).optional(),
  fields: z
    .string()
    .max(500)
    .optional()
    .openapi({ description: "Comma-separated columns to return; id is always included" }),
});

/** The endpoint filters of the endpoints list and of their export (two functions). */
export const EndpointFilters = {
  serviceId: z.string().max(32).optional(),
  state: ConnectionState.optional(),
};

export const ExportQuery = z.object({
  ...TagFilter,
  region: z.string().max(32).openapi({ description: "The region to export (also in the file name)" }),
  q: z.string().min(1).max(80).optional(),
  vpcId: z.string().max(32).optional(),
  fields: z.string().max(500).optional().openapi({ description: "Comma-separated columns, in this order" }),
});

/** `tag:env=prod` parameters of the raw query. */
export function tagsOf(c: Context): Record<string, string> | undefined {
  return tagFilters(c.req.query());
}

/** A list answer with only the chosen fields of each item. */
export function projected<T extends Record<string, unknown>>(
  page: Page<T>,
  known: readonly string[],
  fields: string | undefined,
) {
  const pick = chooseFields<T>(known, fields);
  return { items: pick ? page.items.map(pick) : page.items, nextCursor: page.nextCursor };
}

/** The columns of an export: the chosen ones in the order given, or all of them. */
export function exportColumns(known: readonly string[], fields: string | undefined): string[] {
  if (!fields) return [...known];
  const chosen = fields
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = chosen.find((f) => !known.includes(f));
  if (unknown)
    throw InvalidParameterError.value("fields", `unknown field ${unknown}; choose from ${known.join(", ")}`);
  return chosen;
}

/** Every page of a listing, for exports: 500 items a Query rather than the API's 100. */
export async function* allPages<T>(list: (page: PageParamsType) => Promise<Page<T>>): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 500, cursor });
    yield page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

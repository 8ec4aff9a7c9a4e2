import * as z from "zod";
import * as Account from "../../../../core/account/index.ts";
import type { Page, PageParams } from "../../../../core/db/page.ts";
import { InvalidParameterError, LinkplaneError, NotFoundError } from "../../../../core/errors.ts";
import * as Vpc from "../../../../core/inventory/vpc.ts";
import * as Connection from "../../../../core/privatelink/connection.ts";
import type * as Endpoint from "../../../../core/privatelink/endpoint.ts";
import * as EndpointService from "../../../../core/privatelink/service.ts";

/**
 * What every action module shares: the context an action runs in, the `action()` builder, and the
 * protocol's request pieces (Filters, Offset/Limit and NextToken paging, region scoping).
 */
export interface ActionContext {
  uin: string;
  region: string;
}

export interface Action {
  input: z.ZodType;
  run(ctx: ActionContext, params: never): Promise<Record<string, unknown>>;
}

/**
 * An action: its request schema, what it does, and how core's field names read in its parameters
 * (`name` is `EndPointName` on one action and `VpcName` on another). Errors from core name the action's
 * own parameters, never the REST API's fields.
 */
export function action<S extends z.ZodType>(
  input: S,
  run: (ctx: ActionContext, params: z.output<S>) => Promise<Record<string, unknown>>,
  fields: Record<string, string> = {},
): Action {
  const names = { ...CORE_FIELDS, ...fields };
  return {
    input,
    run: (async (ctx: ActionContext, params: z.output<S>) => {
      try {
        return await run(ctx, params);
      } catch (error) {
        throw inParameterNames(error, names);
      }
    }) as Action["run"],
  };
}

/** Core's field names that read the same way in every action that has them. */
const CORE_FIELDS: Record<string, string> = {
  vpcId: "VpcId",
  subnetId: "SubnetId",
  endpointServiceId: "EndPointServiceId",
  endpointIds: "EndPointId",
  securityGroupId: "SecurityGroupId",
  securityGroupIds: "SecurityGroupIds",
  backendInstanceId: "ServiceInstanceId",
  serviceType: "ServiceType",
  autoAccept: "AutoAcceptFlag",
  cidrBlock: "CidrBlock",
  zone: "Zone",
  ip: "EndPointVip",
  tags: "Tags",
  key: "Key",
  value: "Value",
  uin: "UserUin",
  uins: "UserUin",
  description: "Description",
};

/** Renames the field an error names (`tags.0.key` → `Tags.0.Key`), in `field` and in its message. */
export function inParameterNames(error: unknown, names: Record<string, string>): unknown {
  if (!(error instanceof LinkplaneError) || !error.field) return error;
  const from = error.field;
  const to = from
    .split(".")
    .map((part) => (Object.hasOwn(names, part) ? names[part] : part))
    .join(".");
  if (to === from) return error;
  let message = error.message;
  if (message.startsWith(`${from}:`) || message.startsWith(`${from} `))
    message = to + message.slice(from.length);
  else if (message === `unknown field ${from}`) message = `unknown field ${to}`;
  return new LinkplaneError(error.kind, error.code, message, { field: to, cause: error });
}

export const TagInput = z.strictObject({
  Key: z.string().min(1).max(127),
  Value: z.string().max(255).optional(),
});
export const FilterInput = z.strictObject({
  Name: z.string().max(64),
  Values: z.array(z.string().max(256)).min(1).max(100),
});
export type Filter = z.infer<typeof FilterInput>;
/** The reference takes Offset and Limit as numbers on some actions and as numeric strings on others. */
export const Count = z
  .union([z.number().int().min(0), z.string().regex(/^\d{1,9}$/, "must be a whole number")])
  .transform(Number);
export const Paging = {
  Offset: Count.optional(),
  Limit: Count.optional(),
  MaxResults: z.number().int().min(1).max(100).optional(),
  NextToken: z.string().max(64).optional(),
};
/** Accepted for compatibility and ignored: Linkplane has IPv4 only and no CDC or pass-through services. */
export const Ignored = { IpAddressType: z.string().max(16).optional() };

/**
 * Filters: AND across filters, OR within one filter's values. Unknown names are
 * InvalidParameter.FilterInvalidKey.
 */
export function matcher<T>(
  filters: Filter[] | undefined,
  fields: Record<string, (item: T) => string | undefined>,
) {
  for (const f of filters ?? []) {
    if (!Object.hasOwn(fields, f.Name)) {
      throw new InvalidParameterError(
        "InvalidParameter.FilterInvalidKey",
        `Filters: unknown filter name ${f.Name}; known: ${Object.keys(fields).join(", ")}`,
        {
          field: "Filters",
        },
      );
    }
  }
  return (item: T) =>
    (filters ?? []).every((f) =>
      f.Values.includes((fields[f.Name] as (item: T) => string | undefined)(item) ?? ""),
    );
}

export function noCoexist(ids: unknown[] | undefined, filters: unknown[] | undefined, idsName: string) {
  if (ids?.length && filters?.length) {
    throw new InvalidParameterError(
      "InvalidParameter.Coexist",
      `${idsName} and Filters cannot be given together`,
      { field: "Filters" },
    );
  }
}

/**
 * Offset/Limit (default 0/20, Limit at most 100) or NextToken/MaxResults over a full, ordered list. The
 * last page's NextToken is "" (present, as the reference's models have it, and falsy for paging loops).
 */
export function paged<T>(
  items: T[],
  p: { Offset?: number; Limit?: number; MaxResults?: number; NextToken?: string },
) {
  let offset = p.Offset ?? 0;
  let limit = p.Limit ?? 20;
  if (p.NextToken !== undefined || p.MaxResults !== undefined) {
    offset = p.NextToken ? decodeToken(p.NextToken) : 0;
    limit = p.MaxResults ?? 20;
  }
  if (limit > 100)
    throw new InvalidParameterError("InvalidParameterValue.Range", "Limit must be at most 100", {
      field: "Limit",
    });
  const slice = items.slice(offset, offset + limit);
  const next =
    offset + slice.length < items.length
      ? Buffer.from(String(offset + slice.length)).toString("base64url")
      : "";
  return { slice, total: items.length, next };
}

export function decodeToken(token: string): number {
  const n = Number(Buffer.from(token, "base64url").toString("utf8"));
  if (!Number.isSafeInteger(n) || n < 0)
    throw InvalidParameterError.value("NextToken", "is not a token this API handed out");
  return n;
}

/** Every page of a core listing (the reference pages by offset over a whole, ordered list). */
export async function all<T>(list: (page: PageParams) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 100, cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/**
 * Describe* with explicit IDs: every ID must be one the caller can see in the request's region, else
 * the answer is ResourceNotFound naming the first that is not, as the reference does. A stranger's ID,
 * a missing one and one in another region read the same. Without IDs, the list is unchanged.
 */
export function byIds<T extends { id: string }>(items: T[], ids: string[] | undefined, label: string): T[] {
  if (!ids?.length) return items;
  const seen = new Set(items.map((i) => i.id));
  const missing = ids.find((id) => !seen.has(id));
  if (missing !== undefined) throw new NotFoundError(label, missing);
  return items.filter((i) => ids.includes(i.id));
}

/**
 * The Describe* recipe: explicit IDs or Filters (not both), filter names checked before anything is
 * read, every ID found (byIds), filters matched, then one page of the whole ordered list.
 */
export async function describeList<T extends { id: string }>(q: {
  ids: string[] | undefined;
  idsName: string;
  label: string;
  filters: Filter[] | undefined;
  fields: Record<string, (item: T) => string | undefined>;
  list: (page: PageParams) => Promise<Page<T>>;
  paging: { Offset?: number; Limit?: number; MaxResults?: number; NextToken?: string };
}) {
  noCoexist(q.ids, q.filters, q.idsName);
  const match = matcher<T>(q.filters, q.fields);
  return paged(byIds(await all(q.list), q.ids, q.label).filter(match), q.paging);
}

/** The AppIds of the accounts an answer names (owners are shown by AppId). */
export async function appIdsOf(uins: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(uins)];
  return new Map(await Promise.all(unique.map(async (uin) => [uin, await Account.appIdOf(uin)] as const)));
}

/** A resource outside the request's region does not exist for that request. */
export function inRegion<T extends { region: string }>(
  item: T,
  region: string,
  label: string,
  id: string,
): T {
  if (item.region !== region) throw new NotFoundError(label, id);
  return item;
}

export async function ownService(ctx: ActionContext, id: string) {
  return inRegion(await EndpointService.get(ctx.uin, id), ctx.region, "endpoint service", id);
}

export async function vpcInRegion(ctx: ActionContext, id: string) {
  return inRegion(await Vpc.get(ctx.uin, id), ctx.region, "VPC", id);
}

export async function serviceEndpoints(ctx: ActionContext, serviceId: string): Promise<Endpoint.Info[]> {
  return (await all((page) => Connection.list(ctx.uin, serviceId, undefined, page))).map((c) => ({
    id: c.endpointId,
    name: c.endpointName,
    region: ctx.region,
    vpcId: c.vpcId,
    subnetId: c.subnetId,
    ip: c.ip,
    endpointServiceId: serviceId,
    serviceName: "",
    serviceOwnerUin: ctx.uin,
    state: c.state,
    ownerUin: c.ownerUin,
    securityGroupIds: [],
    createdAt: c.createdAt,
    tags: [],
    serviceDeleted: false,
  }));
}

export const ServiceId = z.string().max(32);
export const EndpointIdField = z.string().max(32);

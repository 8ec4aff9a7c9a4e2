import * as z from "zod";
import type { Page, PageParams } from "../../../core/db/page.ts";
import {
  InvalidParameterError,
  LinkplaneError,
  NotFoundError,
  UnsupportedOperationError,
} from "../../../core/errors.ts";
import { SecurityGroup } from "../../../core/inventory/security-group.ts";
import { Subnet } from "../../../core/inventory/subnet.ts";
import { Vpc } from "../../../core/inventory/vpc.ts";
import { Allowlist } from "../../../core/privatelink/allowlist.ts";
import { Connection } from "../../../core/privatelink/connection.ts";
import { Endpoint } from "../../../core/privatelink/endpoint.ts";
import { PrivateLink } from "../../../core/privatelink/index.ts";
import { EndpointService } from "../../../core/privatelink/service.ts";
import * as M from "./models.ts";

/**
 * The reference API's actions over the same `core/` the REST API uses. Each action is a strict schema
 * of the reference's request fields and a few lines that call core and shape the answer; the rules
 * (quotas, allowlists, transitions, addresses) are all core's. What lives here is the protocol: region
 * scoping by X-TC-Region, Filters, Offset/Limit and NextToken paging, and the models.
 */
export interface ActionContext {
  uin: string;
  region: string;
}

export interface Action {
  input: z.ZodType;
  run(ctx: ActionContext, params: never): Promise<Record<string, unknown>>;
}

function action<S extends z.ZodType>(
  input: S,
  run: (ctx: ActionContext, params: z.output<S>) => Promise<Record<string, unknown>>,
): Action {
  return { input, run: run as Action["run"] };
}

// ---- Shared request pieces -----------------------------------------------------------------------

const TagInput = z.strictObject({ Key: z.string().min(1).max(127), Value: z.string().max(255).optional() });
const FilterInput = z.strictObject({
  Name: z.string().max(64),
  Values: z.array(z.string().max(256)).min(1).max(100),
});
type Filter = z.infer<typeof FilterInput>;
/** The reference takes Offset and Limit as numbers on some actions and as numeric strings on others. */
const Count = z
  .union([z.number().int().min(0), z.string().regex(/^\d{1,9}$/, "must be a whole number")])
  .transform(Number);
const Paging = {
  Offset: Count.optional(),
  Limit: Count.optional(),
  MaxResults: z.number().int().min(1).max(100).optional(),
  NextToken: z.string().max(64).optional(),
};
/** Accepted for compatibility and ignored: Linkplane has IPv4 only and no CDC or pass-through services. */
const Ignored = { IpAddressType: z.string().max(16).optional() };

/**
 * Filters: AND across filters, OR within one filter's values. Unknown names are
 * InvalidParameter.FilterInvalidKey.
 */
function matcher<T>(filters: Filter[] | undefined, fields: Record<string, (item: T) => string | undefined>) {
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

function noCoexist(ids: unknown[] | undefined, filters: unknown[] | undefined, idsName: string) {
  if (ids?.length && filters?.length) {
    throw new InvalidParameterError(
      "InvalidParameter.Coexist",
      `${idsName} and Filters cannot be given together`,
      { field: "Filters" },
    );
  }
}

/** Offset/Limit (default 0/20, Limit at most 100) or NextToken/MaxResults over a full, ordered list. */
function paged<T>(
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
      : undefined;
  return { slice, total: items.length, next };
}

function decodeToken(token: string): number {
  const n = Number(Buffer.from(token, "base64url").toString("utf8"));
  if (!Number.isSafeInteger(n) || n < 0)
    throw InvalidParameterError.value("NextToken", "is not a token this API handed out");
  return n;
}

/** Every page of a core listing (the reference pages by offset over a whole, ordered list). */
async function all<T>(list: (page: PageParams) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 100, cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** A resource outside the request's region does not exist for that request. */
function inRegion<T extends { region: string }>(item: T, region: string, label: string, id: string): T {
  if (item.region !== region) throw new NotFoundError(label, id);
  return item;
}

async function ownService(ctx: ActionContext, id: string) {
  return inRegion(await EndpointService.get(ctx.uin, id), ctx.region, "endpoint service", id);
}

async function vpcInRegion(ctx: ActionContext, id: string) {
  return inRegion(await Vpc.get(ctx.uin, id), ctx.region, "VPC", id);
}

async function serviceEndpoints(ctx: ActionContext, serviceId: string): Promise<Endpoint.Info[]> {
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

// ---- Endpoint services -----------------------------------------------------------------------------

const ServiceId = z.string().max(32);
const EndpointIdField = z.string().max(32);

export const actions: Record<string, Action> = {
  CreateVpcEndPointService: action(
    z.strictObject({
      VpcId: z.string().max(32),
      EndPointServiceName: z.string().max(200),
      AutoAcceptFlag: z.boolean(),
      ServiceInstanceId: z.string().max(32),
      IsPassService: z.boolean().optional(),
      ServiceType: z.string().max(16).optional(),
      Tags: z.array(TagInput).max(50).optional(),
      ...Ignored,
    }),
    async (ctx, p) => {
      await vpcInRegion(ctx, p.VpcId);
      const created = await EndpointService.create(ctx.uin, {
        name: p.EndPointServiceName,
        vpcId: p.VpcId,
        serviceType: (p.ServiceType ?? "CLB") as EndpointService.CreateInput["serviceType"],
        backendInstanceId: p.ServiceInstanceId,
        autoAccept: p.AutoAcceptFlag,
        tags: M.fromTcTags(p.Tags),
      });
      return { EndPointService: M.endPointService(created, []) };
    },
  ),

  DescribeVpcEndPointService: action(
    z.strictObject({
      Filters: z.array(FilterInput).max(10).optional(),
      EndPointServiceIds: z.array(ServiceId).max(100).optional(),
      IsListAuthorizedEndPointService: z.boolean().optional(),
      ...Paging,
      ...Ignored,
    }),
    async (ctx, p) => {
      noCoexist(p.EndPointServiceIds, p.Filters, "EndPointServiceIds");
      if (p.IsListAuthorizedEndPointService) {
        const match = matcher<EndpointService.PublicInfo>(p.Filters, {
          "service-id": (s) => s.id,
          "service-name": (s) => s.name,
          "service-instance-id": () => undefined,
          "service-type": (s) => s.serviceType,
        });
        const list = (await all((page) => EndpointService.listAuthorized(ctx.uin, ctx.region, {}, page)))
          .filter((s) => !p.EndPointServiceIds?.length || p.EndPointServiceIds.includes(s.id))
          .filter(match);
        const { slice, total, next } = paged(list, p);
        return { EndPointServiceSet: slice.map(M.authorizedService), TotalCount: total, NextToken: next };
      }
      const match = matcher<EndpointService.Info>(p.Filters, {
        "service-id": (s) => s.id,
        "service-name": (s) => s.name,
        "service-instance-id": (s) => s.backendInstanceId,
        "service-type": (s) => s.serviceType,
      });
      const list = (await all((page) => EndpointService.list(ctx.uin, { region: ctx.region }, page)))
        .filter((s) => !p.EndPointServiceIds?.length || p.EndPointServiceIds.includes(s.id))
        .filter(match);
      const { slice, total, next } = paged(list, p);
      const set = await Promise.all(
        slice.map(async (s) => M.endPointService(s, await serviceEndpoints(ctx, s.id))),
      );
      return { EndPointServiceSet: set, TotalCount: total, NextToken: next };
    },
  ),

  ModifyVpcEndPointServiceAttribute: action(
    z.strictObject({
      EndPointServiceId: ServiceId,
      VpcId: z.string().max(32),
      EndPointServiceName: z.string().max(200).optional(),
      AutoAcceptFlag: z.boolean().optional(),
      ServiceInstanceId: z.string().max(32).optional(),
      ...Ignored,
    }),
    async (ctx, p) => {
      const service = await ownService(ctx, p.EndPointServiceId);
      if (service.vpcId !== p.VpcId) {
        throw new UnsupportedOperationError(
          "UnsupportedOperation.VpcMismatch",
          `endpoint service ${service.id} is not in ${p.VpcId}`,
          { field: "VpcId" },
        );
      }
      await EndpointService.update(ctx.uin, service.id, {
        name: p.EndPointServiceName,
        autoAccept: p.AutoAcceptFlag,
        backendInstanceId: p.ServiceInstanceId,
      });
      return {};
    },
  ),

  DeleteVpcEndPointService: action(
    z.strictObject({ EndPointServiceId: ServiceId, ...Ignored }),
    async (ctx, p) => {
      await ownService(ctx, p.EndPointServiceId);
      await PrivateLink.deleteService(ctx.uin, p.EndPointServiceId, false);
      return {};
    },
  ),

  // ---- Endpoints -----------------------------------------------------------------------------------

  CreateVpcEndPoint: action(
    z.strictObject({
      VpcId: z.string().max(32),
      SubnetId: z.string().max(32),
      EndPointName: z.string().max(200),
      EndPointServiceId: ServiceId,
      EndPointVip: z.string().max(15).optional(),
      SecurityGroupId: z.string().max(32).optional(),
      Tags: z.array(TagInput).max(50).optional(),
      ...Ignored,
    }),
    async (ctx, p) => {
      await vpcInRegion(ctx, p.VpcId);
      const { endpoint } = await Endpoint.create(ctx.uin, {
        name: p.EndPointName,
        vpcId: p.VpcId,
        subnetId: p.SubnetId,
        endpointServiceId: p.EndPointServiceId,
        ip: p.EndPointVip,
        securityGroupId: p.SecurityGroupId,
        tags: M.fromTcTags(p.Tags),
      });
      return { EndPoint: M.endPoint(endpoint) };
    },
  ),

  DescribeVpcEndPoint: action(
    z.strictObject({
      Filters: z.array(FilterInput).max(10).optional(),
      EndPointId: z.array(EndpointIdField).max(100).optional(),
      ...Paging,
      ...Ignored,
    }),
    async (ctx, p) => {
      noCoexist(p.EndPointId, p.Filters, "EndPointId");
      const match = matcher<Endpoint.Info>(p.Filters, {
        "end-point-service-id": (e) => e.endpointServiceId,
        "end-point-name": (e) => e.name,
        "end-point-id": (e) => e.id,
        "vpc-id": (e) => e.vpcId,
      });
      const list = (await all((page) => Endpoint.list(ctx.uin, { region: ctx.region }, page)))
        .filter((e) => !p.EndPointId?.length || p.EndPointId.includes(e.id))
        .filter(match);
      const { slice, total, next } = paged(list, p);
      return { EndPointSet: slice.map((e) => M.endPoint(e)), TotalCount: total, NextToken: next };
    },
  ),

  ModifyVpcEndPointAttribute: action(
    z.strictObject({
      EndPointId: EndpointIdField,
      EndPointName: z.string().max(200).optional(),
      SecurityGroupIds: z.array(z.string().max(32)).optional(),
      ...Ignored,
    }),
    async (ctx, p) => {
      const ep = inRegion(await Endpoint.get(ctx.uin, p.EndPointId), ctx.region, "endpoint", p.EndPointId);
      if (p.EndPointName !== undefined) await Endpoint.update(ctx.uin, ep.id, { name: p.EndPointName });
      if (p.SecurityGroupIds !== undefined)
        await Endpoint.setSecurityGroups(ctx.uin, ep.id, { securityGroupIds: p.SecurityGroupIds });
      return {};
    },
  ),

  DeleteVpcEndPoint: action(z.strictObject({ EndPointId: EndpointIdField, ...Ignored }), async (ctx, p) => {
    inRegion(await Endpoint.get(ctx.uin, p.EndPointId), ctx.region, "endpoint", p.EndPointId);
    await Endpoint.remove(ctx.uin, p.EndPointId);
    return {};
  }),

  /** AcceptFlag true accepts, false rejects, every EndPointId; the first item that fails is the answer. */
  EnableVpcEndPointConnect: action(
    z.strictObject({
      EndPointServiceId: ServiceId,
      EndPointId: z.array(EndpointIdField).min(1).max(500),
      AcceptFlag: z.boolean(),
      ...Ignored,
    }),
    async (ctx, p) => {
      await ownService(ctx, p.EndPointServiceId);
      const results = await Connection.batch(
        ctx.uin,
        p.EndPointServiceId,
        p.AcceptFlag ? "accept" : "reject",
        { endpointIds: p.EndPointId },
      );
      const failed = results.find((r) => !r.ok);
      if (failed && !failed.ok)
        throw new LinkplaneError(
          "invalid",
          failed.error.code,
          `${failed.endpointId}: ${failed.error.message}`,
        );
      return {};
    },
  ),

  DisassociateVpcEndPointSecurityGroups: action(
    z.strictObject({
      SecurityGroupIds: z.array(z.string().max(32)).min(1).max(5),
      EndPointId: EndpointIdField,
    }),
    async (ctx, p) => {
      inRegion(await Endpoint.get(ctx.uin, p.EndPointId), ctx.region, "endpoint", p.EndPointId);
      for (const sg of p.SecurityGroupIds) await Endpoint.unbindSecurityGroup(ctx.uin, p.EndPointId, sg);
      return {};
    },
  ),

  // ---- Allowlist -----------------------------------------------------------------------------------

  CreateVpcEndPointServiceWhiteList: action(
    z.strictObject({
      UserUin: z.string().max(24),
      EndPointServiceId: ServiceId,
      Description: z.string().max(60).optional(),
    }),
    async (ctx, p) => {
      await ownService(ctx, p.EndPointServiceId);
      await Allowlist.add(ctx.uin, p.EndPointServiceId, { uin: p.UserUin, description: p.Description });
      return {};
    },
  ),

  DescribeVpcEndPointServiceWhiteList: action(
    z.strictObject({
      Offset: Count.optional(),
      Limit: Count.optional(),
      Filters: z.array(FilterInput).max(10).optional(),
    }),
    async (ctx, p) => {
      const match = matcher<{ uin: string; serviceId: string }>(p.Filters, {
        "user-uin": (e) => e.uin,
        "end-point-service-id": (e) => e.serviceId,
      });
      const wanted = p.Filters?.find((f) => f.Name === "end-point-service-id")?.Values;
      const services = (
        await all((page) => EndpointService.list(ctx.uin, { region: ctx.region }, page))
      ).filter((s) => !wanted || wanted.includes(s.id));
      const users = [];
      for (const s of services) {
        for (const entry of await all((page) => Allowlist.list(ctx.uin, s.id, undefined, page))) {
          if (match({ uin: entry.uin, serviceId: s.id })) users.push(M.serviceUser(s.id, ctx.uin, entry));
        }
      }
      const { slice, total } = paged(users, p);
      // The reference's model has both spellings of this field; clients read either.
      return { VpcEndpointServiceUserSet: slice, VpcEndPointServiceUserSet: slice, TotalCount: total };
    },
  ),

  ModifyVpcEndPointServiceWhiteList: action(
    z.strictObject({
      UserUin: z.string().max(24),
      EndPointServiceId: ServiceId,
      Description: z.string().max(60).optional(),
    }),
    async (ctx, p) => {
      await ownService(ctx, p.EndPointServiceId);
      if (p.Description !== undefined) {
        await Allowlist.update(ctx.uin, p.EndPointServiceId, p.UserUin, { description: p.Description });
      } else if (
        (await Allowlist.list(ctx.uin, p.EndPointServiceId, p.UserUin, { limit: 1 })).items.length === 0
      ) {
        throw new NotFoundError("allowlist entry", `${p.UserUin} on ${p.EndPointServiceId}`);
      }
      return {};
    },
  ),

  DeleteVpcEndPointServiceWhiteList: action(
    z.strictObject({ UserUin: z.array(z.string().max(24)).min(1).max(100), EndPointServiceId: ServiceId }),
    async (ctx, p) => {
      await ownService(ctx, p.EndPointServiceId);
      for (const uin of p.UserUin) await Allowlist.removeOne(ctx.uin, p.EndPointServiceId, uin, false);
      return {};
    },
  ),

  // ---- The VPC-side actions the workflow needs, over the same inventory ------------------------------

  CreateVpc: action(
    z.strictObject({
      VpcName: z.string().max(60),
      CidrBlock: z.string().max(18),
      EnableMulticast: z.string().max(8).optional(),
      DnsServers: z.array(z.string().max(15)).max(4).optional(),
      DomainName: z.string().max(60).optional(),
      Tags: z.array(TagInput).max(50).optional(),
      EnableRouteVpcPublish: z.boolean().optional(),
      EnableRouteVpcPublishIpv6: z.boolean().optional(),
    }),
    async (ctx, p) => ({
      Vpc: M.vpc(await Vpc.create(ctx.uin, { region: ctx.region, name: p.VpcName, cidrBlock: p.CidrBlock })),
    }),
  ),

  DescribeVpcs: action(
    z.strictObject({
      VpcIds: z.array(z.string().max(32)).max(100).optional(),
      Filters: z.array(FilterInput).max(10).optional(),
      Offset: Count.optional(),
      Limit: Count.optional(),
    }),
    async (ctx, p) => {
      noCoexist(p.VpcIds, p.Filters, "VpcIds");
      const match = matcher<Vpc.Info>(p.Filters, {
        "vpc-name": (v) => v.name,
        "vpc-id": (v) => v.id,
        "cidr-block": (v) => v.cidrBlock,
        "is-default": () => "false",
      });
      const list = (await all((page) => Vpc.list(ctx.uin, ctx.region, page)))
        .filter((v) => !p.VpcIds?.length || p.VpcIds.includes(v.id))
        .filter(match);
      const { slice, total } = paged(list, p);
      return { TotalCount: total, VpcSet: slice.map(M.vpc) };
    },
  ),

  DeleteVpc: action(z.strictObject({ VpcId: z.string().max(32) }), async (ctx, p) => {
    await vpcInRegion(ctx, p.VpcId);
    await Vpc.remove(ctx.uin, p.VpcId);
    return {};
  }),

  CreateSubnet: action(
    z.strictObject({
      VpcId: z.string().max(32),
      SubnetName: z.string().max(60),
      CidrBlock: z.string().max(18),
      Zone: z.string().max(32),
      Tags: z.array(TagInput).max(50).optional(),
      CdcId: z.string().max(32).optional(),
    }),
    async (ctx, p) => {
      await vpcInRegion(ctx, p.VpcId);
      return {
        Subnet: M.subnet(
          await Subnet.create(ctx.uin, {
            vpcId: p.VpcId,
            zone: p.Zone,
            name: p.SubnetName,
            cidrBlock: p.CidrBlock,
          }),
        ),
      };
    },
  ),

  DescribeSubnets: action(
    z.strictObject({
      SubnetIds: z.array(z.string().max(32)).max(100).optional(),
      Filters: z.array(FilterInput).max(10).optional(),
      ...Paging,
    }),
    async (ctx, p) => {
      noCoexist(p.SubnetIds, p.Filters, "SubnetIds");
      const match = matcher<Subnet.Info>(p.Filters, {
        "subnet-id": (s) => s.id,
        "vpc-id": (s) => s.vpcId,
        "cidr-block": (s) => s.cidrBlock,
        "subnet-name": (s) => s.name,
        zone: (s) => s.zone,
        "is-default": () => "false",
      });
      const list = (await all((page) => Subnet.list(ctx.uin, ctx.region, page)))
        .filter((s) => !p.SubnetIds?.length || p.SubnetIds.includes(s.id))
        .filter(match);
      const { slice, total, next } = paged(list, p);
      return { TotalCount: total, SubnetSet: slice.map(M.subnet), NextToken: next };
    },
  ),

  DeleteSubnet: action(z.strictObject({ SubnetId: z.string().max(32) }), async (ctx, p) => {
    inRegion(await Subnet.get(ctx.uin, p.SubnetId), ctx.region, "subnet", p.SubnetId);
    await Subnet.remove(ctx.uin, p.SubnetId);
    return {};
  }),

  CreateSecurityGroup: action(
    z.strictObject({
      GroupName: z.string().max(60),
      GroupDescription: z.string().max(100),
      ProjectId: z.string().max(16).optional(),
      Tags: z.array(TagInput).max(50).optional(),
    }),
    async (ctx, p) => ({
      SecurityGroup: M.securityGroup(
        await SecurityGroup.create(ctx.uin, {
          region: ctx.region,
          name: p.GroupName,
          description: p.GroupDescription,
        }),
      ),
    }),
  ),

  DescribeSecurityGroups: action(
    z.strictObject({
      SecurityGroupIds: z.array(z.string().max(32)).max(100).optional(),
      Filters: z.array(FilterInput).max(10).optional(),
      Offset: Count.optional(),
      Limit: Count.optional(),
      OrderField: z.string().max(32).optional(),
      OrderDirection: z.string().max(8).optional(),
    }),
    async (ctx, p) => {
      noCoexist(p.SecurityGroupIds, p.Filters, "SecurityGroupIds");
      const match = matcher<SecurityGroup.Info>(p.Filters, {
        "security-group-id": (g) => g.id,
        "security-group-name": (g) => g.name,
        "project-id": () => "0",
      });
      const list = (await all((page) => SecurityGroup.list(ctx.uin, ctx.region, page)))
        .filter((g) => !p.SecurityGroupIds?.length || p.SecurityGroupIds.includes(g.id))
        .filter(match);
      const { slice, total } = paged(list, p);
      return { SecurityGroupSet: slice.map(M.securityGroup), TotalCount: total };
    },
  ),

  DeleteSecurityGroup: action(z.strictObject({ SecurityGroupId: z.string().max(32) }), async (ctx, p) => {
    inRegion(
      await SecurityGroup.get(ctx.uin, p.SecurityGroupId),
      ctx.region,
      "security group",
      p.SecurityGroupId,
    );
    await SecurityGroup.remove(ctx.uin, p.SecurityGroupId);
    return {};
  }),
};

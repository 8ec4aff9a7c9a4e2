import * as z from "zod";
import { UnsupportedOperationError } from "../../../../core/errors.ts";
import * as PrivateLink from "../../../../core/privatelink/index.ts";
import * as EndpointService from "../../../../core/privatelink/service.ts";
import * as EndpointServiceCreation from "../../../../core/privatelink/service-create.ts";
import * as EndpointServiceUpdate from "../../../../core/privatelink/service-update.ts";
import * as M from "../models.ts";
import {
  type Action,
  type ActionContext,
  action,
  appIdsOf,
  describeList,
  FilterInput,
  Ignored,
  ownService,
  Paging,
  ServiceId,
  serviceEndpoints,
  TagInput,
  vpcInRegion,
} from "./common.ts";

const serviceFilters = {
  "service-id": (s: EndpointService.PublicInfo) => s.id,
  "service-name": (s: EndpointService.PublicInfo) => s.name,
  "service-type": (s: EndpointService.PublicInfo) => s.serviceType,
};

/** The owner's view of its services, each with the endpoints connected to it. */
async function ownerView(ctx: ActionContext, services: EndpointService.Info[]) {
  const endpoints = await Promise.all(services.map((s) => serviceEndpoints(ctx, s.id)));
  const appIds = await appIdsOf([ctx.uin, ...endpoints.flat().map((e) => e.ownerUin)]);
  return services.map((s, i) => M.endPointService(s, endpoints[i] ?? [], appIds));
}

/** Services the caller may connect to: its own in full, others' without their network (models.ts). */
async function authorizedView(ctx: ActionContext, services: EndpointService.PublicInfo[]) {
  const stored = await EndpointService.batchFind(services.map((s) => s.id));
  const infos = services.flatMap((s) => {
    const found = stored.get(s.id);
    return found ? [EndpointService.toInfo(found)] : [];
  });
  const mine = await ownerView(
    ctx,
    infos.filter((s) => s.ownerUin === ctx.uin),
  );
  const appIds = await appIdsOf(infos.map((s) => s.ownerUin));
  return infos.map((s) =>
    s.ownerUin === ctx.uin ? mine.find((m) => m.EndPointServiceId === s.id) : M.authorizedService(s, appIds),
  );
}

/** The provider's side: endpoint services. */
export const endpointServiceActions: Record<string, Action> = {
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
      const created = await EndpointServiceCreation.create(ctx.uin, {
        name: p.EndPointServiceName,
        vpcId: p.VpcId,
        serviceType: (p.ServiceType ?? "CLB") as EndpointService.CreateInput["serviceType"],
        backendInstanceId: p.ServiceInstanceId,
        autoAccept: p.AutoAcceptFlag,
        tags: M.fromTcTags(p.Tags),
      });
      return { EndPointService: M.endPointService(created, [], await appIdsOf([ctx.uin])) };
    },
    { name: "EndPointServiceName" },
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
      const query = {
        ids: p.EndPointServiceIds,
        idsName: "EndPointServiceIds",
        label: "endpoint service",
        filters: p.Filters,
        paging: p,
      };
      if (p.IsListAuthorizedEndPointService) {
        const { slice, total, next } = await describeList<EndpointService.PublicInfo>({
          ...query,
          // Another account's backend is not the caller's to filter on.
          fields: { ...serviceFilters, "service-instance-id": () => undefined },
          list: (page) => EndpointService.listAuthorized(ctx.uin, ctx.region, {}, page),
        });
        return { EndPointServiceSet: await authorizedView(ctx, slice), TotalCount: total, NextToken: next };
      }
      const { slice, total, next } = await describeList<EndpointService.Info>({
        ...query,
        fields: { ...serviceFilters, "service-instance-id": (s) => s.backendInstanceId },
        list: (page) => EndpointService.list(ctx.uin, { region: ctx.region }, page),
      });
      return { EndPointServiceSet: await ownerView(ctx, slice), TotalCount: total, NextToken: next };
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
      await EndpointServiceUpdate.update(ctx.uin, service.id, {
        name: p.EndPointServiceName,
        autoAccept: p.AutoAcceptFlag,
        backendInstanceId: p.ServiceInstanceId,
      });
      return {};
    },
    { name: "EndPointServiceName" },
  ),

  DeleteVpcEndPointService: action(
    z.strictObject({ EndPointServiceId: ServiceId, ...Ignored }),
    async (ctx, p) => {
      await ownService(ctx, p.EndPointServiceId);
      await PrivateLink.deleteService(ctx.uin, p.EndPointServiceId, false);
      return {};
    },
  ),
};

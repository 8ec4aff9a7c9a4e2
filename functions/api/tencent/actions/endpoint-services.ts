import * as z from "zod";
import { UnsupportedOperationError } from "../../../../core/errors.ts";
import { PrivateLink } from "../../../../core/privatelink/index.ts";
import { EndpointService } from "../../../../core/privatelink/service.ts";
import * as M from "../models.ts";
import {
  type Action,
  action,
  all,
  FilterInput,
  Ignored,
  matcher,
  noCoexist,
  ownService,
  Paging,
  paged,
  ServiceId,
  serviceEndpoints,
  TagInput,
  vpcInRegion,
} from "./common.ts";

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
};

import * as z from "zod";
import { LinkplaneError } from "../../../../core/errors.ts";
import * as ConnectionBatch from "../../../../core/privatelink/connection-batch.ts";
import * as Endpoint from "../../../../core/privatelink/endpoint.ts";
import * as EndpointCreation from "../../../../core/privatelink/endpoint-create.ts";
import * as EndpointSecurityGroups from "../../../../core/privatelink/endpoint-security-groups.ts";
import { validate } from "../../../../core/validation.ts";
import * as M from "../models.ts";
import {
  type Action,
  action,
  appIdsOf,
  describeList,
  EndpointIdField,
  FilterInput,
  Ignored,
  inRegion,
  ownService,
  Paging,
  ServiceId,
  TagInput,
  vpcInRegion,
} from "./common.ts";

/** The consumer's side (endpoints) and the provider's answer to them (connections). */
export const endpointActions: Record<string, Action> = {
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
      const { endpoint } = await EndpointCreation.create(ctx.uin, {
        name: p.EndPointName,
        vpcId: p.VpcId,
        subnetId: p.SubnetId,
        endpointServiceId: p.EndPointServiceId,
        ip: p.EndPointVip,
        securityGroupId: p.SecurityGroupId,
        tags: M.fromTcTags(p.Tags),
      });
      return { EndPoint: M.endPoint(endpoint, await appIdsOf([ctx.uin])) };
    },
    { name: "EndPointName" },
  ),

  DescribeVpcEndPoint: action(
    z.strictObject({
      Filters: z.array(FilterInput).max(10).optional(),
      EndPointId: z.array(EndpointIdField).max(100).optional(),
      ...Paging,
      ...Ignored,
    }),
    async (ctx, p) => {
      const { slice, total, next } = await describeList<Endpoint.Info>({
        ids: p.EndPointId,
        idsName: "EndPointId",
        label: "endpoint",
        filters: p.Filters,
        fields: {
          "end-point-service-id": (e) => e.endpointServiceId,
          "end-point-name": (e) => e.name,
          "end-point-id": (e) => e.id,
          "vpc-id": (e) => e.vpcId,
        },
        list: (page) => Endpoint.list(ctx.uin, { region: ctx.region }, page),
        paging: p,
      });
      const appIds = await appIdsOf([ctx.uin]);
      return { EndPointSet: slice.map((e) => M.endPoint(e, appIds)), TotalCount: total, NextToken: next };
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
      // Both checked before either is written, and the groups (which can fail on many counts) first, so
      // an error leaves the endpoint as it was.
      const rename =
        p.EndPointName === undefined ? undefined : validate(Endpoint.UpdateInput, { name: p.EndPointName });
      if (p.SecurityGroupIds !== undefined)
        await EndpointSecurityGroups.set(ctx.uin, ep.id, { securityGroupIds: p.SecurityGroupIds });
      if (rename) await Endpoint.update(ctx.uin, ep.id, rename);
      return {};
    },
    { name: "EndPointName" },
  ),

  DeleteVpcEndPoint: action(z.strictObject({ EndPointId: EndpointIdField, ...Ignored }), async (ctx, p) => {
    inRegion(await Endpoint.get(ctx.uin, p.EndPointId), ctx.region, "endpoint", p.EndPointId);
    await Endpoint.remove(ctx.uin, p.EndPointId);
    return {};
  }),

  /**
   * AcceptFlag true accepts, false rejects, every EndPointId. Every ID is checked first: one that is not
   * a connection of the service is ResourceNotFound and nothing changes. Past that, the first item that
   * fails (a concurrent change) is the answer.
   */
  EnableVpcEndPointConnect: action(
    z.strictObject({
      EndPointServiceId: ServiceId,
      EndPointId: z.array(EndpointIdField).min(1).max(500),
      AcceptFlag: z.boolean(),
      ...Ignored,
    }),
    async (ctx, p) => {
      await ownService(ctx, p.EndPointServiceId);
      const results = await ConnectionBatch.decide(
        ctx.uin,
        p.EndPointServiceId,
        p.AcceptFlag ? "accept" : "reject",
        { endpointIds: p.EndPointId },
        { allOrNothing: true },
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
      await EndpointSecurityGroups.unbindAll(ctx.uin, p.EndPointId, p.SecurityGroupIds);
      return {};
    },
  ),
};

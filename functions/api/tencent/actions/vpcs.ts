import * as z from "zod";
import * as Vpc from "../../../../core/inventory/vpc.ts";
import * as M from "../models.ts";
import { type Action, action, Count, describeList, FilterInput, TagInput, vpcInRegion } from "./common.ts";

/** VPCs, so that the SDK alone can run a whole workflow. */
export const vpcActions: Record<string, Action> = {
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
    { name: "VpcName" },
  ),

  DescribeVpcs: action(
    z.strictObject({
      VpcIds: z.array(z.string().max(32)).max(100).optional(),
      Filters: z.array(FilterInput).max(10).optional(),
      Offset: Count.optional(),
      Limit: Count.optional(),
    }),
    async (ctx, p) => {
      const { slice, total } = await describeList<Vpc.Info>({
        ids: p.VpcIds,
        idsName: "VpcIds",
        label: "VPC",
        filters: p.Filters,
        fields: {
          "vpc-name": (v) => v.name,
          "vpc-id": (v) => v.id,
          "cidr-block": (v) => v.cidrBlock,
          "is-default": () => "false",
        },
        list: (page) => Vpc.list(ctx.uin, ctx.region, page),
        paging: p,
      });
      return { TotalCount: total, VpcSet: slice.map(M.vpc) };
    },
  ),

  DeleteVpc: action(z.strictObject({ VpcId: z.string().max(32) }), async (ctx, p) => {
    await vpcInRegion(ctx, p.VpcId);
    await Vpc.remove(ctx.uin, p.VpcId);
    return {};
  }),
};

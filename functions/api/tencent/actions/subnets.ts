import * as z from "zod";
import * as Subnet from "../../../../core/inventory/subnet.ts";
import * as M from "../models.ts";
import {
  type Action,
  action,
  describeList,
  FilterInput,
  inRegion,
  Paging,
  TagInput,
  vpcInRegion,
} from "./common.ts";

/** Subnets, where endpoints take their addresses. */
export const subnetActions: Record<string, Action> = {
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
    { name: "SubnetName" },
  ),

  DescribeSubnets: action(
    z.strictObject({
      SubnetIds: z.array(z.string().max(32)).max(100).optional(),
      Filters: z.array(FilterInput).max(10).optional(),
      ...Paging,
    }),
    async (ctx, p) => {
      const { slice, total, next } = await describeList<Subnet.Info>({
        ids: p.SubnetIds,
        idsName: "SubnetIds",
        label: "subnet",
        filters: p.Filters,
        fields: {
          "subnet-id": (s) => s.id,
          "vpc-id": (s) => s.vpcId,
          "cidr-block": (s) => s.cidrBlock,
          "subnet-name": (s) => s.name,
          zone: (s) => s.zone,
          "is-default": () => "false",
        },
        list: (page) => Subnet.list(ctx.uin, ctx.region, page),
        paging: p,
      });
      return { TotalCount: total, SubnetSet: slice.map(M.subnet), NextToken: next };
    },
  ),

  DeleteSubnet: action(z.strictObject({ SubnetId: z.string().max(32) }), async (ctx, p) => {
    inRegion(await Subnet.get(ctx.uin, p.SubnetId), ctx.region, "subnet", p.SubnetId);
    await Subnet.remove(ctx.uin, p.SubnetId);
    return {};
  }),
};

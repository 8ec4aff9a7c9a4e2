import * as z from "zod";
import * as SecurityGroup from "../../../../core/inventory/security-group.ts";
import * as M from "../models.ts";
import { type Action, action, Count, describeList, FilterInput, inRegion, TagInput } from "./common.ts";

/** Security groups, which endpoints are bound to. */
export const securityGroupActions: Record<string, Action> = {
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
    { name: "GroupName", description: "GroupDescription" },
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
      const { slice, total } = await describeList<SecurityGroup.Info>({
        ids: p.SecurityGroupIds,
        idsName: "SecurityGroupIds",
        label: "security group",
        filters: p.Filters,
        fields: {
          "security-group-id": (g) => g.id,
          "security-group-name": (g) => g.name,
          "project-id": () => "0",
        },
        list: (page) => SecurityGroup.list(ctx.uin, ctx.region, page),
        paging: p,
      });
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

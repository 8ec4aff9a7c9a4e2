import * as z from "zod";
import * as Account from "../../../../core/account/index.ts";
import { NotFoundError } from "../../../../core/errors.ts";
import * as Allowlist from "../../../../core/privatelink/allowlist.ts";
import * as EndpointService from "../../../../core/privatelink/service.ts";
import * as M from "../models.ts";
import {
  type Action,
  action,
  all,
  Count,
  FilterInput,
  matcher,
  ownService,
  paged,
  ServiceId,
} from "./common.ts";

/** One account on one service's allowlist, as Create and Modify take it. */
const WhiteListEntry = z.strictObject({
  UserUin: z.string().max(24),
  EndPointServiceId: ServiceId,
  Description: z.string().max(60).optional(),
});

/** Who may connect to a service: the allowlist ("white list" in the reference). */
export const allowlistActions: Record<string, Action> = {
  CreateVpcEndPointServiceWhiteList: action(WhiteListEntry, async (ctx, p) => {
    await ownService(ctx, p.EndPointServiceId);
    await Allowlist.add(ctx.uin, p.EndPointServiceId, { uin: p.UserUin, description: p.Description });
    return {};
  }),

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
      const ownerAppId = await Account.appIdOf(ctx.uin);
      const users = [];
      for (const s of services) {
        for (const entry of await all((page) => Allowlist.list(ctx.uin, s.id, undefined, page))) {
          if (match({ uin: entry.uin, serviceId: s.id })) users.push(M.serviceUser(s.id, ownerAppId, entry));
        }
      }
      const { slice, total } = paged(users, p);
      // The reference's model has both spellings of this field; clients read either.
      return { VpcEndpointServiceUserSet: slice, VpcEndPointServiceUserSet: slice, TotalCount: total };
    },
  ),

  ModifyVpcEndPointServiceWhiteList: action(WhiteListEntry, async (ctx, p) => {
    await ownService(ctx, p.EndPointServiceId);
    if (p.Description !== undefined) {
      await Allowlist.update(ctx.uin, p.EndPointServiceId, p.UserUin, { description: p.Description });
    } else if (
      (await Allowlist.list(ctx.uin, p.EndPointServiceId, p.UserUin, { limit: 1 })).items.length === 0
    ) {
      throw new NotFoundError("allowlist entry", `${p.UserUin} on ${p.EndPointServiceId}`);
    }
    return {};
  }),

  DeleteVpcEndPointServiceWhiteList: action(
    z.strictObject({ UserUin: z.array(z.string().max(24)).min(1).max(100), EndPointServiceId: ServiceId }),
    async (ctx, p) => {
      await ownService(ctx, p.EndPointServiceId);
      await Allowlist.removeAll(ctx.uin, p.EndPointServiceId, p.UserUin);
      return {};
    },
  ),
};

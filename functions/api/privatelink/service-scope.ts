import * as z from "zod";
import * as EndpointService from "../../../core/privatelink/service.ts";

/**
 * The two scopes of a services listing (the list and its CSV export, two functions): the caller's own
 * services, or with `authorized=true` the services it may connect to, with their public fields only.
 */
export const Authorized = {
  authorized: z.enum(["true", "false"]).optional().openapi({
    description:
      "true: the services the caller may connect to (its own and those that allowlist it, public fields only); needs region",
  }),
};
export const PUBLIC_FIELDS = Object.keys(EndpointService.PublicInfo.shape);

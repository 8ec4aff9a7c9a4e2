import { allowlistActions } from "./actions/allowlist.ts";
import type { Action } from "./actions/common.ts";
import { endpointServiceActions } from "./actions/endpoint-services.ts";
import { endpointActions } from "./actions/endpoints.ts";
import { securityGroupActions } from "./actions/security-groups.ts";
import { subnetActions } from "./actions/subnets.ts";
import { vpcActions } from "./actions/vpcs.ts";

export type { Action, ActionContext } from "./actions/common.ts";

/**
 * The reference API's actions over the same `core/` the REST API uses, one module per concern under
 * `actions/`. Each action is a strict schema of the reference's request fields and a few lines that call
 * core and shape the answer; the rules (quotas, allowlists, transitions, addresses) are all core's. What
 * lives here is the protocol: region scoping by X-TC-Region, Filters, Offset/Limit and NextToken paging,
 * and the models.
 */
export const actions: Record<string, Action> = {
  ...endpointServiceActions,
  ...endpointActions,
  ...allowlistActions,
  ...vpcActions,
  ...subnetActions,
  ...securityGroupActions,
};

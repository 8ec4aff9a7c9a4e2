import type { Context } from "hono";
import * as z from "zod";
import { NotFoundError } from "../../../core/errors.ts";
import { MetricQuery } from "../../../core/metrics/query.ts";
import * as Endpoint from "../../../core/privatelink/endpoint.ts";
import * as EndpointService from "../../../core/privatelink/service.ts";
import { type ApiEnv, callerUin } from "../factory.ts";
import { IdParam, security } from "../openapi.ts";

// What the metric views (views.ts) and their export (view-exports.ts, the function that may write to the
// export bucket) share: the query, the owner check and where each kind's routes live.
const Query = z.object({
  metrics: z.string().max(500).optional().openapi({ description: "Comma-separated; default all" }),
  period: z.enum(["realtime", "24h", "7d", "custom"]).optional(),
  from: z.string().max(40).optional().openapi({ description: "Epoch seconds or ISO 8601 (custom)" }),
  to: z.string().max(40).optional(),
  granularity: MetricQuery.Granularity.optional(),
  stat: MetricQuery.Stat.optional(),
});
const ServiceQuery = Query.extend({
  endpointId: z.string().max(32).optional().openapi({ description: "One connected endpoint's series" }),
});
export const common = { tags: ["Metrics"], security: security("account") };

/** Which series a request reads, after its owner check: the endpoint, the service, or one of its endpoints. */
export async function target(
  c: Context<ApiEnv>,
  kind: "endpoint" | "service",
  id: string,
  endpointId?: string,
) {
  const uin = callerUin(c);
  if (kind === "endpoint") {
    await Endpoint.load(uin, id);
    return { resourceId: id, defaults: MetricQuery.ENDPOINT_DEFAULTS };
  }
  await EndpointService.load(uin, id);
  if (!endpointId) return { resourceId: id, defaults: MetricQuery.SERVICE_DEFAULTS };
  const ep = await Endpoint.find(endpointId);
  if (!ep || ep.endpointServiceId !== id) throw new NotFoundError("endpoint", `${endpointId} on ${id}`);
  return { resourceId: endpointId, defaults: MetricQuery.ENDPOINT_DEFAULTS };
}

/** Where a kind's metric routes live, their path parameter and query. */
export function scope(kind: "endpoint" | "service") {
  return {
    base: kind === "endpoint" ? "/v1/endpoints/{id}/metrics" : "/v1/endpoint-services/{id}/metrics",
    params: IdParam(
      kind === "endpoint" ? "endpoint ID" : "endpoint service ID",
      kind === "endpoint" ? "vpce-1a2b3c4d" : "vpcsvc-1a2b3c4d",
    ),
    query: kind === "endpoint" ? Query : ServiceQuery,
  };
}

import { functionArgs } from "./environment";
import { apiRoutes } from "./plan";

/** HTTP API with one Lambda per route of the registry (functions/api/routes.ts). */
export const api = new sst.aws.ApiGatewayV2("Api");

for (const route of apiRoutes()) {
  api.route(route.routeKey, {
    ...functionArgs(route.handler, route.links, route.install),
    name: `${$app.name}-${$app.stage}-${route.name}`,
    timeout: "29 seconds",
  });
}

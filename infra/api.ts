import { functionDefaults } from "./environment";
import { apiRoutes } from "./plan";

/** HTTP API with one Lambda per route of the registry (functions/api/routes.ts). */
export const api = new sst.aws.ApiGatewayV2("Api");

for (const route of apiRoutes()) {
  api.route(route.routeKey, {
    ...functionDefaults,
    name: `${$app.name}-${$app.stage}-${route.name}`,
    handler: route.handler,
    timeout: "29 seconds",
    nodejs: route.install.length ? { install: route.install } : undefined,
  });
}

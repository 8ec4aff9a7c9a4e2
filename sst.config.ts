/// <reference path="./.sst/platform/config.d.ts" />

/**
 * AWS deployment. Everything comes from the same registries the local runtime serves: the table from
 * core/db/table.ts, one Lambda per route from functions/api/routes.ts, one rule per job from
 * functions/cron/schedules.ts, and the stream consumer. `npx sst deploy --stage prod`.
 */
export default $config({
  app(input) {
    return {
      name: "linkplane",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
    };
  },
  async run() {
    const { table } = await import("./infra/table");
    const { api } = await import("./infra/api");
    await import("./infra/streams");
    await import("./infra/cron");
    return { api: api.url, table: table.name };
  },
});

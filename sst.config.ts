/// <reference path="./.sst/platform/config.d.ts" />

/**
 * AWS deployment. Everything comes from the same registries the local runtime serves: the table from
 * core/db/table.ts, one Lambda per route from functions/api/routes.ts, one schedule per job from
 * functions/cron/schedules.ts, the stream consumer and the webhook delivery queue. Stages `prod` and
 * `production` keep their data on `sst remove` and are protected; any other stage is disposable.
 * `npx sst deploy --stage prod` (README, "Deploy to AWS").
 */
export default $config({
  app(input) {
    const keep = ["prod", "production"].includes(input?.stage ?? "");
    return {
      name: "linkplane",
      home: "aws",
      removal: keep ? "retain" : "remove",
      protect: keep,
    };
  },
  async run() {
    const { isProtectedStage } = await import("./infra/plan");
    const { table } = await import("./infra/table");
    const { exportBucket } = await import("./infra/storage");
    const { webhookQueue } = await import("./infra/queue");
    const { api } = await import("./infra/api");
    await import("./infra/streams");
    await import("./infra/cron");
    await import("./infra/webhooks");
    await import("./infra/rollup");
    return {
      api: api.url,
      table: table.name,
      exportBucket: exportBucket.name,
      webhookQueue: webhookQueue.url,
      protected: String(isProtectedStage($app.stage)),
    };
  },
});

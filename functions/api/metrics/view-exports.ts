import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { MetricQuery } from "../../../core/metrics/query.ts";
import { csvResponse } from "../csv.ts";
import { type DownloadMode, DownloadQuery, downloadResponses } from "../download.ts";
import { createApi } from "../factory.ts";
import { common, scope, target } from "./view-common.ts";

// The metric views as files: the metrics routes that may write to the export bucket (a file larger than
// a Lambda response), in a function of their own so that views.ts serves the views without the S3 client
// (docs/deploy.md "Bundles").
const Row = z.object({
  metric: z.string(),
  stat: MetricQuery.Stat,
  unit: z.string(),
  t: z.number().int(),
  time: z.string(),
  value: z.number().nullable(),
});
const Rows = z
  .object({ resourceId: z.string(), granularity: MetricQuery.Granularity, rows: z.array(Row) })
  .openapi("MetricRows");
function exportRoute(kind: "endpoint" | "service") {
  const { base, params, query } = scope(kind);
  return createRoute({
    ...common,
    method: "get",
    path: `${base}/export`,
    summary: "The view as CSV (UTF-8 with BOM) or JSON rows",
    request: {
      params,
      query: query.extend({ format: z.enum(["csv", "json"]).optional(), ...DownloadQuery }),
    },
    responses: downloadResponses("The rows", { "text/csv": { schema: z.string() } }, Rows),
  });
}

function rows(view: MetricQuery.View) {
  return view.series.flatMap((s) =>
    s.points.map((p) => ({
      metric: s.metric,
      stat: s.stat,
      unit: s.unit,
      t: p.t,
      time: new Date(p.t * 1000).toISOString(),
      value: p.value,
    })),
  );
}

function build() {
  let app = createApi("account");
  for (const kind of ["endpoint", "service"] as const) {
    app = app.openapi(exportRoute(kind), async (c) => {
      const { endpointId, format, download, ...q } = c.req.valid("query") as Record<
        string,
        string | undefined
      >;
      const id = c.req.valid("param").id;
      const t = await target(c, kind, id, endpointId);
      const view = await MetricQuery.view(t.resourceId, MetricQuery.window(q, t.defaults));
      if (format === "json")
        return c.json({ resourceId: t.resourceId, granularity: view.granularity, rows: rows(view) }, 200);
      const filename = `metrics-${t.resourceId}-${view.granularity}-${new Date(view.from * 1000).toISOString().slice(0, 10)}.csv`;
      return csvResponse(
        c,
        {
          filename,
          columns: ["metric", "stat", "unit", "time", "t", "value"],
          pages: (async function* () {
            yield rows(view);
          })(),
        },
        download as DownloadMode | undefined,
      ) as never;
    }) as unknown as typeof app;
  }
  return app;
}

export const app = build();
export const handler = handle(app);

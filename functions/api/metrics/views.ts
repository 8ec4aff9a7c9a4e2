import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { NotFoundError } from "../../../core/errors.ts";
import { MetricQuery } from "../../../core/metrics/query.ts";
import { Endpoint } from "../../../core/privatelink/endpoint.ts";
import { EndpointService } from "../../../core/privatelink/service.ts";
import { csvResponse } from "../csv.ts";
import { type DownloadMode, DownloadQuery, downloadResponses } from "../download.ts";
import { type ApiEnv, callerUin, createApi } from "../factory.ts";
import { IdParam, jsonResponse, security } from "../openapi.ts";

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
const Point = z.object({ t: z.number().int(), value: z.number().nullable() });
const View = z
  .object({
    granularity: MetricQuery.Granularity,
    from: z.number().int(),
    to: z.number().int(),
    series: z.array(
      z.object({ metric: z.string(), stat: MetricQuery.Stat, unit: z.string(), points: z.array(Point) }),
    ),
  })
  .openapi("MetricView");
const Change = { diff: z.number().nullable(), pct: z.number().nullable() };
const Comparison = z
  .object({
    granularity: MetricQuery.Granularity,
    from: z.number().int(),
    to: z.number().int(),
    compareFrom: z.number().int(),
    compareTo: z.number().int(),
    series: z.array(
      z.object({
        metric: z.string(),
        stat: MetricQuery.Stat,
        unit: z.string(),
        points: z.array(
          z.object({
            t: z.number().int(),
            value: z.number().nullable(),
            compareT: z.number().int(),
            compareValue: z.number().nullable(),
            ...Change,
          }),
        ),
        totals: z.object({ value: z.number().nullable(), compareValue: z.number().nullable(), ...Change }),
      }),
    ),
  })
  .openapi("MetricComparison");
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
const common = { tags: ["Metrics"], security: security("account") };

/** Which series a request reads, after its owner check: the endpoint, the service, or one of its endpoints. */
async function target(c: Context<ApiEnv>, kind: "endpoint" | "service", id: string, endpointId?: string) {
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

function routes(kind: "endpoint" | "service") {
  const base = kind === "endpoint" ? "/v1/endpoints/{id}/metrics" : "/v1/endpoint-services/{id}/metrics";
  const params = IdParam(
    kind === "endpoint" ? "endpoint ID" : "endpoint service ID",
    kind === "endpoint" ? "vpce-1a2b3c4d" : "vpcsvc-1a2b3c4d",
  );
  const query = kind === "endpoint" ? Query : ServiceQuery;
  return [
    createRoute({
      ...common,
      method: "get",
      path: base,
      summary: `A ${kind}'s metrics over a period`,
      request: { params, query },
      responses: { 200: jsonResponse(View, "The series") },
    }),
    createRoute({
      ...common,
      method: "get",
      path: `${base}/compare`,
      summary: "The same metrics over a second window of the same length, point by point",
      request: {
        params,
        query: query.extend({
          compareFrom: z.string().max(40).openapi({ description: "Start of the second window" }),
        }),
      },
      responses: {
        200: jsonResponse(Comparison, "Both series with differences and totals"),
      },
    }),
    createRoute({
      ...common,
      method: "get",
      path: `${base}/export`,
      summary: "The view as CSV (UTF-8 with BOM) or JSON rows",
      request: {
        params,
        query: query.extend({ format: z.enum(["csv", "json"]).optional(), ...DownloadQuery }),
      },
      responses: downloadResponses("The rows", { "text/csv": { schema: z.string() } }, Rows),
    }),
  ] as const;
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
    const [viewRoute, compareRoute, exportRoute] = routes(kind);
    app = app
      .openapi(viewRoute, async (c) => {
        const { endpointId, ...q } = c.req.valid("query") as Record<string, string | undefined>;
        const t = await target(c, kind, c.req.valid("param").id, endpointId);
        return c.json(await MetricQuery.view(t.resourceId, MetricQuery.window(q, t.defaults)), 200);
      })
      .openapi(compareRoute, async (c) => {
        const { endpointId, compareFrom, ...q } = c.req.valid("query") as Record<string, string | undefined>;
        const t = await target(c, kind, c.req.valid("param").id, endpointId);
        return c.json(
          await MetricQuery.compare(t.resourceId, MetricQuery.window(q, t.defaults), compareFrom),
          200,
        );
      })
      .openapi(exportRoute, async (c) => {
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

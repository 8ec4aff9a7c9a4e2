import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { MetricQuery } from "../../../core/metrics/query.ts";
import { createApi } from "../factory.ts";
import { jsonResponse } from "../openapi.ts";
import { common, scope, target } from "./view-common.ts";

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
function routes(kind: "endpoint" | "service") {
  const { base, params, query } = scope(kind);
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
  ] as const;
}

function build() {
  let app = createApi("account");
  for (const kind of ["endpoint", "service"] as const) {
    const [viewRoute, compareRoute] = routes(kind);
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
      }) as unknown as typeof app;
  }
  return app;
}

export const app = build();
export const handler = handle(app);

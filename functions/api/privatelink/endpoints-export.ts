import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import * as Endpoint from "../../../core/privatelink/endpoint.ts";
import { csvResponse, exportFilename } from "../csv.ts";
import { DownloadQuery, downloadResponses } from "../download.ts";
import { callerUin, createApi } from "../factory.ts";
import { security } from "../openapi.ts";
import { allPages, EndpointFilters, ExportQuery, exportColumns, tagsOf } from "./shared.ts";

// The endpoints' CSV export: the one endpoints route that may write to the export bucket (a file larger
// than a Lambda response), in a function of its own so that endpoints.ts serves the others without the
// S3 client (docs/deploy.md "Bundles").
const common = { tags: ["Endpoints"], security: security("account") };

export const app = createApi("account").openapi(
  createRoute({
    ...common,
    method: "get",
    path: "/v1/endpoints/export",
    summary: "Export a region's endpoints as CSV (UTF-8 with BOM, streamed)",
    request: { query: ExportQuery.extend(EndpointFilters).extend(DownloadQuery) },
    responses: downloadResponses("CSV", { "text/csv": { schema: z.string() } }),
  }),
  (c) => {
    const { region, fields, download, ...filters } = c.req.valid("query");
    const uin = callerUin(c);
    const query = { region, ...filters, tags: tagsOf(c) };
    return csvResponse(
      c,
      {
        filename: exportFilename("endpoints", region),
        columns: exportColumns(Endpoint.FIELDS, fields),
        pages: allPages((page) => Endpoint.list(uin, query, page)),
      },
      download,
    );
  },
);

export const handler = handle(app);

import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import * as EndpointService from "../../../core/privatelink/service.ts";
import { csvResponse, exportFilename } from "../csv.ts";
import { DownloadQuery, downloadResponses } from "../download.ts";
import { callerUin, createApi } from "../factory.ts";
import { security } from "../openapi.ts";
import { Authorized, PUBLIC_FIELDS } from "./service-scope.ts";
import { allPages, ExportQuery, exportColumns, tagsOf } from "./shared.ts";

// The services' CSV export: the one services route that may write to the export bucket (a file larger
// than a Lambda response), in a function of its own so that endpoint-services.ts serves the others
// without the S3 client (docs/deploy.md "Bundles").
const common = { tags: ["Endpoint services"], security: security("account") };

export const app = createApi("account").openapi(
  createRoute({
    ...common,
    method: "get",
    path: "/v1/endpoint-services/export",
    summary: "Export a region's services as CSV (UTF-8 with BOM, streamed)",
    request: { query: ExportQuery.extend(DownloadQuery).extend(Authorized) },
    responses: downloadResponses("CSV", { "text/csv": { schema: z.string() } }),
  }),
  (c) => {
    const { region, fields, download, authorized, ...filters } = c.req.valid("query");
    const uin = callerUin(c);
    const query = { region, ...filters, tags: tagsOf(c) };
    // The same two scopes as the list, so a page's "Export" gives the rows the page shows.
    const mine = authorized !== "true";
    return csvResponse(
      c,
      {
        filename: exportFilename("endpoint-services", region),
        columns: exportColumns(mine ? EndpointService.FIELDS : PUBLIC_FIELDS, fields),
        pages: allPages((page) =>
          mine
            ? EndpointService.list(uin, query, page)
            : EndpointService.listAuthorized(uin, region, query, page),
        ),
      },
      download,
    );
  },
);

export const handler = handle(app);

import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import { MetricExportFiles } from "../../../core/metrics/export-files.ts";
// Every request here reaches the bucket in AWS: the S3 client is loaded at start, not on first use.
import "../../../core/storage/s3.ts";
import { DownloadQuery, downloadResponses, linkResponse } from "../download.ts";
import { callerUin, createApi } from "../factory.ts";
import { IdParam, security } from "../openapi.ts";

// A metric export run's file: the one metric-export route that reads the export bucket, in a function of
// its own so that exports.ts serves the others without the S3 client (docs/deploy.md "Bundles").
const common = { tags: ["Metrics"], security: security("account") };

export const app = createApi("account").openapi(
  createRoute({
    ...common,
    method: "get",
    path: "/v1/metric-exports/{id}/runs/{runId}/file",
    summary: "Download a run's file (streamed)",
    request: {
      params: IdParam("metric export ID", "mexp-1a2b3c4d").extend({ runId: z.string().max(32) }),
      query: z.object(DownloadQuery),
    },
    responses: downloadResponses("The file", {
      "text/csv": { schema: z.string() },
      "application/x-ndjson": { schema: z.string() },
    }),
  }),
  async (c) => {
    const { id, runId } = c.req.valid("param");
    const file = await MetricExportFiles.file(callerUin(c), id, runId);
    const sha: Record<string, string> = file.run.sha256 ? { "X-Content-SHA256": file.run.sha256 } : {};
    if (file.link) return linkResponse(c, file.link, c.req.valid("query").download, sha) as never;
    return new Response(file.body, {
      headers: {
        "Content-Type": file.contentType,
        "Content-Disposition": `attachment; filename="${file.filename}"`,
        ...sha,
      },
    }) as never;
  },
);

export const handler = handle(app);

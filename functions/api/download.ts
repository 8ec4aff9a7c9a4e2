// Patches zod with `.openapi` before the schemas below are built: csv.ts brings this module in, and a
// module importing csv.ts first (a test) would otherwise build them before any route's import does.
import "@hono/zod-openapi";
import type { Context } from "hono";
import * as z from "zod";
import type { DownloadLink } from "../../core/storage/index.ts";

/**
 * Files the caller downloads from the export bucket rather than through the function (in AWS: a stored
 * export file, or an export larger than a Lambda response). Such a file is answered `303` to its
 * presigned URL, which curl -L, SDKs and a browser navigating follow. A page that downloads with `fetch`
 * cannot: fetch would follow the redirect to the bucket's origin, which the console's CSP
 * (`connect-src 'self'`) refuses, the bucket has no CORS, and the Authorization header fetch carries
 * along is one S3 refuses next to a presigned query. With `download=link` such a page gets the link as
 * JSON instead and starts the download by navigating to it (docs/console.md).
 */

/** The answer says which it is, so a client never has to guess from the body (a JSON file is JSON too). */
export const LINK_HEADER = "Linkplane-Download";

const Mode = z.enum(["link"]);
export type DownloadMode = z.infer<typeof Mode>;

/** The `download` query parameter of every route that can answer 303 to the bucket. */
export const DownloadQuery = {
  download: Mode.optional().openapi({
    description:
      "`link`: where the answer would be `303` to the file in the export bucket, answer `200` with the link as JSON instead (`DownloadLink`, header `Linkplane-Download: link`), for pages that cannot follow a redirect to another origin. A file answered inline or streamed is answered as without it.",
  }),
};

const DownloadLinkInfo = z
  .object({
    url: z.string().openapi({ description: "Presigned URL of the file; S3 names and types the download" }),
    filename: z.string().openapi({ example: "endpoints-ap-guangzhou-2026-11-30.csv" }),
    contentType: z.string().openapi({ example: "text/csv; charset=utf-8" }),
    expiresAt: z.string().openapi({ description: "When the URL stops working (ISO 8601, 15 minutes on)" }),
  })
  .openapi("DownloadLink");

const REDIRECT = {
  description:
    "In AWS, when the file is larger than a Lambda response (6 MB) or is a stored file, and `download=link` is not given: the file's download URL, valid 15 minutes, in Location. Browsers navigating, SDKs and `curl -L` follow it",
  headers: { Location: { description: "Presigned S3 URL of the file", schema: { type: "string" as const } } },
};

/**
 * The answers of a download route: the file (its `content`, with `json` the shape of a JSON file where the
 * route has one), the link with `download=link`, or 303 to it.
 */
export function downloadResponses(
  description: string,
  content: Record<string, { schema: z.ZodType }>,
  json?: z.ZodType,
) {
  return {
    200: {
      description: `${description}; or, with \`download=link\` where the file is in the bucket, its link (\`Linkplane-Download: link\`)`,
      headers: {
        [LINK_HEADER]: {
          description: "`link` when the body is the file's link rather than the file",
          schema: { type: "string" as const, enum: ["link"] },
        },
      },
      content: {
        ...content,
        "application/json": { schema: json ? z.union([json, DownloadLinkInfo]) : DownloadLinkInfo },
      },
    },
    303: REDIRECT,
  };
}

/**
 * The one answer for a file in the bucket: `303` to its link, or with `download=link` the link itself.
 * Neither may be cached: the link expires, and it is the caller's alone.
 */
export function linkResponse(
  c: Context,
  link: DownloadLink,
  mode: DownloadMode | undefined,
  headers: Record<string, string> = {},
): Response {
  const common = { "Cache-Control": "no-store", ...headers };
  if (mode === "link") return c.json(link, 200, { ...common, [LINK_HEADER]: "link" });
  return c.body(null, 303, { ...common, Location: link.url });
}

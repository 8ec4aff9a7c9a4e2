/*
 * What the tables of operations (operations.ts and its operations-*.ts parts) share: the shape of an entry
 * and the sentences several areas repeat, here so that no part imports operations.ts, which imports them.
 */

/** One operation of the OpenAPI document (see OPERATIONS in operations.ts). */
export interface Operation {
  id: string;
  description: string;
  /** Codes this operation answers beyond those of its shape (see `errorResponsesFor`). */
  errors?: string[];
}

export const PAGE = "Pages with `limit` (1–100, default 20) and the previous answer's `nextCursor`.";

/** Where a file comes from the export bucket rather than through the function (functions/api/download.ts). */
export const LINK =
  "With `download=link`, `200` with that URL as JSON (`DownloadLink`, header `Linkplane-Download: link`) instead, for pages that cannot follow a redirect to another origin.";
export const LARGE_EXPORT = `In AWS an export larger than a Lambda response (6 MB) is written to the export bucket and answered \`303\` to a presigned URL of it, valid 15 minutes. ${LINK}`;

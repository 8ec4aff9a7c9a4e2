import { randomUUID } from "node:crypto";
import { stringify } from "csv-stringify/sync";
import type { Context } from "hono";
import { stream } from "hono/streaming";
import { downloadLink, givesLinks, type LinkingStore, objectStore } from "../../core/storage/index.ts";
import { Clock } from "../../core/util/time.ts";
import { type DownloadMode, linkResponse } from "./download.ts";

/**
 * A CSV download, streamed one page at a time so that a 50,000-row export never sits in memory:
 * RFC 4180 (csv-stringify), UTF-8 with a BOM so that Excel opens Chinese names correctly, a header
 * row, CRLF line ends. Cells that a spreadsheet would run as a formula (starting with = + - @, tab or
 * CR) are prefixed with `'`, as OWASP advises against CSV injection.
 */
export interface CsvExport {
  filename: string;
  columns: string[];
  pages: AsyncIterable<Array<Record<string, unknown>>>;
}

const FORMULA = /^[=+\-@\t\r]/;

export function cell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = "";
  else if (Array.isArray(value)) {
    text = value
      .map((v) =>
        typeof v === "object" && v !== null && "key" in v ? `${String(v.key)}=${String(v.value)}` : String(v),
      )
      .join(";");
  } else text = String(value);
  return FORMULA.test(text) ? `'${text}` : text;
}

/**
 * Where a function's answer cannot be larger than Lambda's 6 MB response payload (behind API Gateway
 * the whole JSON counts: status, headers and the body with its JSON escaping), an export that grows past
 * this is written to the export bucket instead and answered with `303 See Other` to a presigned URL.
 * 1 MiB is left for headers and the envelope; the body is measured as it will be escaped.
 */
export const INLINE_LIMIT_BYTES = 5 * 1024 * 1024;
let inlineLimit = INLINE_LIMIT_BYTES;
/**
 * Lowers the limit, so that a test can cross it with a few thousand rows instead of seeding 50,000
 * (minutes of DynamoDB Local load beside the rest of the suite). `undefined` restores Lambda's.
 */
export function useInlineLimit(bytes: number | undefined): void {
  inlineLimit = bytes ?? INLINE_LIMIT_BYTES;
}
const CSV_TYPE = "text/csv; charset=utf-8";

/**
 * The export as a download. Locally (a store without download URLs) it is streamed page by page. In
 * AWS it is answered inline while it fits in a Lambda response, and otherwise written to the bucket
 * (`downloads/`, kept a day) and answered `303` to a short-lived URL of it, which clients that follow
 * redirects (browsers, SDKs, `curl -L`) download on their own, or, with `download=link`, that URL as
 * JSON (download.ts).
 */
export function csvResponse(
  c: Context,
  csv: CsvExport,
  mode: DownloadMode | undefined,
): Response | Promise<Response> {
  const store = objectStore();
  if (!givesLinks(store)) {
    downloadHeaders(c, csv.filename);
    return stream(c, async (out) => {
      for await (const chunk of csvChunks(csv)) await out.write(chunk);
    });
  }
  return inlineOrLink(c, csv, store, mode);
}

function downloadHeaders(c: Context, filename: string): void {
  c.header("Content-Type", CSV_TYPE);
  c.header("Content-Disposition", `attachment; filename="${filename}"`);
  c.header("Cache-Control", "no-store");
}

async function* csvChunks(csv: CsvExport): AsyncGenerator<string> {
  yield `\uFEFF${stringify([csv.columns], { record_delimiter: "\r\n" })}`;
  for await (const rows of csv.pages) {
    if (rows.length === 0) continue;
    yield stringify(
      rows.map((r) => csv.columns.map((col) => cell(r[col]))),
      { record_delimiter: "\r\n" },
    );
  }
}

async function inlineOrLink(
  c: Context,
  csv: CsvExport,
  store: LinkingStore,
  mode: DownloadMode | undefined,
): Promise<Response> {
  const chunks = csvChunks(csv);
  const head: string[] = [];
  let escaped = 0;
  for (;;) {
    const next = await chunks.next();
    if (next.done) {
      downloadHeaders(c, csv.filename);
      return c.body(head.join(""), 200);
    }
    head.push(next.value);
    escaped += Buffer.byteLength(JSON.stringify(next.value)) - 2;
    if (escaped > inlineLimit) break;
  }
  const whole = async function* () {
    yield* head;
    yield* chunks;
  };
  const key = `downloads/${randomUUID()}/${csv.filename}`;
  await store.put(key, whole(), CSV_TYPE);
  return linkResponse(
    c,
    await downloadLink(store, key, { filename: csv.filename, contentType: CSV_TYPE }),
    mode,
  );
}

/** `endpoint-services-ap-guangzhou-2026-11-29.csv` */
export function exportFilename(kind: string, region: string, at = Clock.date()): string {
  return `${kind}-${region}-${at.toISOString().slice(0, 10)}.csv`;
}

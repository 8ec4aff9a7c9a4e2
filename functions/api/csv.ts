import { stringify } from "csv-stringify/sync";
import type { Context } from "hono";
import { stream } from "hono/streaming";
import { Clock } from "../../core/util/time.ts";

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

export function csvResponse(c: Context, csv: CsvExport): Response {
  c.header("Content-Type", "text/csv; charset=utf-8");
  c.header("Content-Disposition", `attachment; filename="${csv.filename}"`);
  c.header("Cache-Control", "no-store");
  return stream(c, async (out) => {
    await out.write(`\uFEFF${stringify([csv.columns], { record_delimiter: "\r\n" })}`);
    for await (const rows of csv.pages) {
      if (rows.length === 0) continue;
      await out.write(
        stringify(
          rows.map((r) => csv.columns.map((col) => cell(r[col]))),
          { record_delimiter: "\r\n" },
        ),
      );
    }
  });
}

/** `endpoint-services-ap-guangzhou-2026-11-29.csv` */
export function exportFilename(kind: string, region: string, at = Clock.date()): string {
  return `${kind}-${region}-${at.toISOString().slice(0, 10)}.csv`;
}

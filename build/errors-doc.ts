import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { ERROR_CODES, statusOfKind } from "../core/errors.ts";

/** docs/errors.md, generated from the catalogue in core/errors.ts (`npm run docs:errors`). */
export function errorTable(): string {
  const rows = [...ERROR_CODES]
    .map((e) => ({ ...e, status: statusOfKind(e.kind) }))
    .sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));
  return [
    "# Error codes",
    "",
    "<!-- Generated from core/errors.ts by `npm run docs:errors`; test/unit/errors.test.ts fails when they differ. -->",
    "",
    'Every error answers `{"error": {"code", "message", "requestId", "field"?}}` with the status below;',
    "match on the code, not the message. The codes are the reference product's (Tencent Cloud API 3.0):",
    'the Tencent-compatible API at `POST /` answers the same codes as `{"Response": {"Error": {"Code"}}}`',
    "with HTTP 200. Codes marked *Tencent API* are answered only there.",
    "",
    "| status | code | when |",
    "| --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.status} | \`${r.code}\` | ${r.meaning}${r.surface === "tencent" ? " *Tencent API.*" : ""} |`,
    ),
    "",
  ].join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeFileSync(resolve(import.meta.dirname, "../docs/errors.md"), errorTable());
}

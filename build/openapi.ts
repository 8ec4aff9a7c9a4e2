import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { openApiDocument } from "../functions/api/openapi-document.ts";

/**
 * Writes the OpenAPI document `GET /openapi.json` serves to a file (default dist/openapi.json), for
 * `npm run lint:openapi` and for code generators that want a file rather than a running server.
 */
const out = resolve(process.argv[2] ?? "dist/openapi.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(openApiDocument(), null, 2)}\n`);

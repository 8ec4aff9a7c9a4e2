import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { handle } from "hono/aws-lambda";
import { NotFoundError } from "../../core/errors.ts";
import { createApi } from "./factory.ts";
import { servedDocument } from "./openapi-json.ts";

// Swagger UI ships in swagger-ui-dist; its files are served from node_modules so /docs works offline.
const swaggerDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
// A Map: the file name comes from the URL, and `constructor` must not find Object's.
const ASSETS = new Map([
  ["swagger-ui.css", "text/css; charset=utf-8"],
  ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
  ["swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"],
  ["favicon-32x32.png", "image/png"],
]);

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Linkplane API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout" });
  </script>
</body>
</html>`;

export const app = createApi("none")
  .get("/openapi.json", async (c) => c.json(await servedDocument()))
  .get("/docs", (c) => c.html(PAGE))
  // With or without the slash, as people type it; the page's links are absolute, so both work.
  .get("/docs/", (c) => c.html(PAGE))
  .get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    const type = ASSETS.get(file);
    if (!type) throw new NotFoundError("asset", file);
    const body = await readFile(join(swaggerDir, file));
    return c.body(new Uint8Array(body), 200, {
      "Content-Type": type,
      "Cache-Control": "public, max-age=86400",
    });
  });

export const handler = handle(app);

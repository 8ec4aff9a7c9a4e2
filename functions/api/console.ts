import { handle } from "hono/aws-lambda";
import { createApi } from "./factory.ts";

/**
 * The web console: a static page and two assets (console-assets.ts serves those, from a function of its
 * own, so that this one carries no copy of them: docs/deploy.md "Bundles"). It calls only the public API, from the same origin, so
 * the policy below allows nothing else: no third-party script, style, font or connection. A file in the
 * export bucket (in AWS) is asked for as a link (`download=link`) and downloaded by navigating to it,
 * which connect-src does not govern, so the bucket's origin needs no place here either.
 */
const POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Linkplane console</title>
  <link rel="stylesheet" href="/console/assets/style.css">
  <script type="module" src="/console/assets/app.js"></script>
</head>
<body>
  <div id="app"><noscript>The Linkplane console needs JavaScript.</noscript></div>
  <div id="toast" role="status" hidden></div>
</body>
</html>`;

export const app = createApi("none").get("/console", (c) =>
  c.html(PAGE, 200, { "Content-Security-Policy": POLICY, "Cache-Control": "no-cache" }),
);

export const handler = handle(app);

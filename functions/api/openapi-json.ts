/**
 * The OpenAPI document `GET /openapi.json` serves. From the sources it is made on first use from every
 * route module (functions/api/openapi-document.ts); in a bundle this module is replaced by the document
 * made at build time (build/esbuild-plugins.mjs, `openapiInline`), so the docs function carries neither
 * the route modules nor zod-to-openapi's generators.
 */
export async function servedDocument(): Promise<object> {
  const { openApiDocument } = await import("./openapi-document.ts");
  return openApiDocument();
}

import { handle } from "hono/aws-lambda";
import { consoleAssets } from "../../console/assets.ts";
import type { ConsoleAsset } from "../../console/build.ts";
import { NotFoundError } from "../../core/errors.ts";
import { createApi } from "./factory.ts";

// The console's two files (the page is console.ts), once per process: built from the sources locally,
// inlined in this function's bundle (`consoleInline` in build/esbuild-plugins.mjs, 153 KB), so only this
// function carries them.
let assets: Promise<Map<string, ConsoleAsset>> | undefined;
function load(): Promise<Map<string, ConsoleAsset>> {
  assets ??= consoleAssets();
  return assets;
}

export const app = createApi("none").get("/console/assets/:file", async (c) => {
  const file = c.req.param("file");
  const asset = (await load()).get(file);
  if (!asset) throw new NotFoundError("asset", file);
  return c.body(asset.body.slice(), 200, { "Content-Type": asset.type, "Cache-Control": "no-cache" });
});

export const handler = handle(app);

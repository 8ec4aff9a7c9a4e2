import { log } from "../core/util/log.ts";
import { buildConsole, type ConsoleAsset, prebuilt } from "./build.ts";

/**
 * The console's files, for the API route that serves them. From the sources this builds them with Vite
 * on first use (else reads console/dist). A function bundle never runs this module: the bundle build
 * replaces it with the assets themselves (`consoleInline` in build/esbuild-plugins.mjs), so a Lambda
 * needs neither Vite nor files beside it.
 */
export async function consoleAssets(): Promise<Map<string, ConsoleAsset>> {
  try {
    return await buildConsole();
  } catch (error) {
    log.info("console: building from source failed, serving console/dist", { error: String(error) });
    return prebuilt();
  }
}

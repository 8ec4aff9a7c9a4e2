// Makes sure SST's platform types (.sst/platform/config.d.ts) exist before the app is type-checked.
// `sst install` works offline of AWS: it needs bun (a dev dependency) and the npm registry, once.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
if (!existsSync(resolve(root, ".sst/platform/config.d.ts"))) {
  console.log("== sst install (platform types for tsconfig.infra.json)");
  execFileSync(resolve(root, "node_modules/.bin/sst"), ["install"], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      SST_SKIP_DEPENDENCY_CHECK: "1",
      SST_TELEMETRY_DISABLED: "1",
      SST_STAGE: process.env.SST_STAGE ?? "dev",
      SST_BUN_PATH: resolve(root, "node_modules/.bin/bun"),
    },
  });
}

import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

/** Builds an SDK client in a fresh Node, as `npm start` does, and returns what it wrote to stderr. */
function run(script: string, env: NodeJS.ProcessEnv = {}): string {
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _, ...rest } = process.env;
  const out = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    env: { ...rest, ...env },
    encoding: "utf8",
  });
  if (out.status !== 0) throw new Error(`the script failed: ${out.stderr}`);
  return out.stderr;
}

const script = (notice: boolean) => `
  ${notice ? 'import "./infra/local/sdk-notice.ts";' : ""}
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  new DynamoDBClient({ region: "us-east-1" });
  process.emitWarning("a real warning", "LinkplaneTestWarning");
`;

describe("the AWS SDK's Node 22 notice", () => {
  it("is not printed by the local processes, while other warnings are", { timeout: 30_000 }, () => {
    const quiet = run(script(true));
    expect(quiet).not.toContain("NodeVersionSupportWarning");
    expect(quiet).toContain("LinkplaneTestWarning: a real warning");
  });

  it("is printed by the SDK without it exactly on Node 20, so the test above is not empty", {
    timeout: 30_000,
  }, () => {
    const node20 = Number(process.versions.node.split(".")[0]) < 22;
    expect(run(script(false)).includes("NodeVersionSupportWarning")).toBe(node20);
  });
});

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useRuntime } from "../support/tencent.ts";

const root = resolve(import.meta.dirname, "../..");
const lp = useRuntime();

/** The first fenced block of `lang` after `heading` in docs/tencent-api.md. */
function snippet(heading: string, lang: string): string {
  const doc = readFileSync(resolve(root, "docs/tencent-api.md"), "utf8");
  const section = doc.slice(doc.indexOf(`\n${heading}\n`));
  const match = section.match(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``));
  if (!match?.[1]) throw new Error(`no ${lang} block under ${heading}`);
  return match[1];
}

describe("docs/tencent-api.md", () => {
  it("has a Node SDK snippet that works as written (only the port is the test's)", async () => {
    // Prepare: an account with one endpoint service.
    const a = await lp.account();
    const vpcId = (await a.client.CreateVpc({ VpcName: "v", CidrBlock: "10.0.0.0/16" })).Vpc?.VpcId as string;
    const lbId = await lp.loadBalancer(a, vpcId);
    await a.client.CreateVpcEndPointService({
      VpcId: vpcId,
      EndPointServiceName: "s",
      AutoAcceptFlag: true,
      ServiceInstanceId: lbId,
    });
    const code = snippet("### Node SDK", "js");
    expect(code).toContain('endpoint: "127.0.0.1:3000", protocol: "http://"');

    // Act: run it in its own Node process, from the project, as a user would.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", code.replace("127.0.0.1:3000", `127.0.0.1:${lp.port}`)],
      {
        cwd: root,
        env: { ...process.env, TENCENTCLOUD_SECRET_ID: a.secretId, TENCENTCLOUD_SECRET_KEY: a.secretKey },
      },
    );

    // Assess
    expect(stdout.trim()).toBe("1 endpoint services");
  });
});

import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { describe, expect, it } from "vitest";
import { useRuntime, VpcClient } from "../support/tencent.ts";

// A self-signed certificate for 127.0.0.1, handed to the runtime the way `npm start` takes it.
const dir = mkdtempSync(join(tmpdir(), "lp-tls-"));
execFileSync(
  "openssl",
  [
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
    ...[
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
  ],
  { stdio: "ignore" },
);
process.env.LINKPLANE_TLS_CERT = join(dir, "cert.pem");
process.env.LINKPLANE_TLS_KEY = join(dir, "key.pem");
process.env.LINKPLANE_TLS_PORT = "0";
const ca = readFileSync(join(dir, "cert.pem"));

const lp = useRuntime();

describe("HTTPS (LINKPLANE_TLS_CERT, LINKPLANE_TLS_KEY)", () => {
  it("serves the official SDK over HTTPS, as tccli speaks it, and HTTP as well", async () => {
    // Prepare
    const a = await lp.account();
    const https = lp.runtime.https;
    expect(https?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = new VpcClient({
      credential: { secretId: a.secretId, secretKey: a.secretKey },
      region: "ap-guangzhou",
      profile: {
        httpProfile: { endpoint: `127.0.0.1:${https?.port}`, protocol: "https://", agent: new Agent({ ca }) },
      },
    });

    // Act
    const vpc = (await client.CreateVpc({ VpcName: "tls", CidrBlock: "10.0.0.0/16" })).Vpc;
    const overHttp = await a.client.DescribeVpcs({ VpcIds: [vpc?.VpcId as string] });

    // Assess
    expect(vpc).toMatchObject({ VpcName: "tls" });
    expect(overHttp.TotalCount).toBe(1);
  });

  it("presents the configured certificate", async () => {
    const socket = connect({ host: "127.0.0.1", port: lp.runtime.https?.port, rejectUnauthorized: false });
    await once(socket, "secureConnect");
    const presented = socket.getPeerCertificate().fingerprint256;
    socket.end();
    expect(presented).toBe(new X509Certificate(ca).fingerprint256);
  });
});

import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateSecrets } from "../../infra/local/secrets.ts";

const mode = (path: string) => statSync(path).mode & 0o777;
const stored = (dir: string) => JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"));

describe("loadOrCreateSecrets", () => {
  it("creates the data folder 0700 and secrets.json 0600, and tightens a folder made 0755 before", () => {
    // Prepare
    const fresh = join(mkdtempSync(join(tmpdir(), "lp-sec-")), "data");
    const old = join(mkdtempSync(join(tmpdir(), "lp-sec-")), "data");
    mkdirSync(old, { mode: 0o755 });
    // Act
    loadOrCreateSecrets(fresh);
    loadOrCreateSecrets(old);
    // Assess
    for (const dir of [fresh, old]) {
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(dir, "secrets.json"))).toBe(0o600);
    }
  });

  it("keeps no operator token of its own when LINKPLANE_OPERATOR_TOKEN gives one, and drops a stale one", () => {
    // Prepare: a token generated on an earlier start.
    const dir = mkdtempSync(join(tmpdir(), "lp-sec-"));
    const first = loadOrCreateSecrets(dir);
    expect(stored(dir).operatorToken).toBe(first.operatorToken);
    // Act
    const second = loadOrCreateSecrets(dir, { operatorToken: "given-by-the-environment-0123" });
    // Assess: the key stays (it sealed credentials); the token that would answer 401 is gone.
    expect(second.operatorToken).toBeUndefined();
    expect(stored(dir)).toEqual({
      encryptionKey: first.encryptionKey,
      dynamodbAccessKeyId: first.dynamodbAccessKeyId,
    });
  });

  it("reuses what it generated on the next start", () => {
    const dir = mkdtempSync(join(tmpdir(), "lp-sec-"));
    const before = { operatorToken: "lpop_x", encryptionKey: "k", dynamodbAccessKeyId: "K3y" };
    writeFileSync(join(dir, "secrets.json"), JSON.stringify(before));
    expect(loadOrCreateSecrets(dir)).toEqual(before);
    expect(mode(join(dir, "secrets.json"))).toBe(0o600);
  });

  it("adds a DynamoDB Local key id to a data folder from before it, and keeps one it is given out of the file", () => {
    // Prepare: secrets.json as an older version wrote it.
    const dir = mkdtempSync(join(tmpdir(), "lp-sec-"));
    const given = mkdtempSync(join(tmpdir(), "lp-sec-"));
    writeFileSync(join(dir, "secrets.json"), JSON.stringify({ operatorToken: "lpop_x", encryptionKey: "k" }));
    // Act
    const upgraded = loadOrCreateSecrets(dir);
    const fromEnvironment = loadOrCreateSecrets(given, { dynamodbAccessKeyId: "GivenKeyId" });
    // Assess: letters and digits only, as DynamoDB Local requires; the same on the next start.
    expect(upgraded.dynamodbAccessKeyId).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(loadOrCreateSecrets(dir).dynamodbAccessKeyId).toBe(upgraded.dynamodbAccessKeyId);
    expect(fromEnvironment.dynamodbAccessKeyId).toBeUndefined();
    expect(stored(given)).not.toHaveProperty("dynamodbAccessKeyId");
  });
});

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomToken } from "../../core/util/id.ts";

export interface LocalSecrets {
  /** Absent when LINKPLANE_OPERATOR_TOKEN gives it: one source of truth, not a second, unused token. */
  operatorToken?: string;
  encryptionKey?: string;
  /** The key id that opens DynamoDB Local's database (see dynamodb-local.ts); absent when given. */
  dynamodbAccessKeyId?: string;
}

/** What the environment already gives, which the file then neither holds nor generates. */
export interface GivenSecrets {
  operatorToken?: string;
  encryptionKey?: string;
  dynamodbAccessKeyId?: string;
}

/**
 * The operator token, the AES key for credentials and the key id that opens DynamoDB Local's database,
 * generated on first start into the data folder and reused after, so that credentials created yesterday
 * still open today. The folder is 0700 and the file 0600: they hold the keys to every tenant. A token
 * given by the environment is not stored, and one stored before is dropped, so `jq .operatorToken
 * secrets.json` never answers a token the server refuses. (A stored key or key id is kept even then:
 * dropping it would lose what it opens.)
 */
export function loadOrCreateSecrets(dataDir: string, given: GivenSecrets = {}): LocalSecrets {
  ensurePrivateDir(dataDir);
  const file = join(dataDir, "secrets.json");
  const before = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  const secrets: LocalSecrets = before ? (JSON.parse(before) as LocalSecrets) : {};
  if (given.operatorToken) delete secrets.operatorToken;
  else secrets.operatorToken ??= `lpop_${randomBytes(24).toString("base64url")}`;
  if (!given.encryptionKey) secrets.encryptionKey ??= randomBytes(32).toString("base64");
  if (!given.dynamodbAccessKeyId) secrets.dynamodbAccessKeyId ??= randomToken(32);
  const after = JSON.stringify(secrets, null, 2);
  if (after !== before) writeFileSync(file, after, { mode: 0o600 });
  if (existsSync(file)) chmodSync(file, 0o600);
  return secrets;
}

/** Creates `dir` (and parents) readable by this user only; tightens one made earlier with 0755. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

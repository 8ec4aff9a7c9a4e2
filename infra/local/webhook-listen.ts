import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";
import { Clock } from "../../core/util/time.ts";

/**
 * `npm run webhooks:listen -- --secret whsec_… [--port N] [--host H]`: a receiver for trying webhooks.
 * It checks every delivery the way a real receiver should, with the Standard Webhooks reference library,
 * and prints what arrived, so that someone can watch a subscription work before writing their own.
 */

export const DEFAULT_PORT = 8787;
const MAX_BODY_BYTES = 1024 * 1024;
const USAGE =
  "usage: npm run webhooks:listen -- --secret whsec_… [--port N] [--host 127.0.0.1] (the secret is the subscription's, shown when it was created)";

export interface ListenerOptions {
  /** The subscription's signing secret, `whsec_…`. */
  secret: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  print?: (line: string) => void;
  /** Where printed times come from (tests pin it). */
  clock?: { now(): Date };
}

export interface ReceivedEvent {
  id: string;
  type: string;
  payload: unknown;
}

export interface Listener {
  url: string;
  port: number;
  received: ReceivedEvent[];
  stop(): Promise<void>;
}

/**
 * The body; "too large" once it passes the limit (what is beyond it is never read); undefined when the
 * sender went away.
 */
function readBody(req: IncomingMessage): Promise<Buffer | "too large" | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off("data", onData);
      req.pause();
      resolve("too large");
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", () => resolve(undefined));
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  return headers;
}

function typeOf(payload: unknown): string {
  const type = (payload as { type?: unknown } | null | undefined)?.type;
  return typeof type === "string" ? type : "(no type)";
}

function verifier(secret: string): Webhook {
  try {
    return new Webhook(secret);
  } catch {
    throw new Error("--secret is not a Standard Webhooks secret (whsec_ followed by base64)");
  }
}

export async function startListener(options: ListenerOptions): Promise<Listener> {
  const webhook = verifier(options.secret);
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? { now: () => Clock.date() };
  const received: ReceivedEvent[] = [];

  const answer = (res: ServerResponse, status: number, text?: string) => {
    res.writeHead(status, text === undefined ? {} : { "content-type": "text/plain; charset=utf-8" });
    res.end(text);
  };
  const reject = (res: ServerResponse, status: number, reason: string) => {
    print(`rejected: ${reason}`);
    // The reason goes back too: the sender's attempt log shows the first bytes of the answer.
    answer(res, status, `rejected: ${reason}\n`);
  };

  const server = createServer(async (req, res) => {
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return answer(res, 405, "POST webhook deliveries here\n");
    }
    const body = await readBody(req);
    if (body === undefined) return void res.destroy();
    if (body === "too large") {
      res.setHeader("connection", "close");
      return reject(res, 413, `body larger than ${MAX_BODY_BYTES} bytes`);
    }
    const headers = flatHeaders(req);
    let payload: unknown;
    try {
      payload = webhook.verify(body, headers);
    } catch (error) {
      if (error instanceof SyntaxError) return reject(res, 400, "signed, but the body is not JSON");
      return reject(res, 401, (error as Error).message);
    }
    const event = { id: headers["webhook-id"] ?? "", type: typeOf(payload), payload };
    received.push(event);
    print(`${clock.now().toISOString()} ${event.id} ${event.type}`);
    print(JSON.stringify(payload, null, 2));
    answer(res, 204);
  });

  server.listen(options.port, options.host ?? "127.0.0.1");
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    received,
    stop: async () => {
      const closed = once(server, "close");
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

function usage(problem?: string): never {
  process.stderr.write(`${problem ? `${problem}; ` : ""}${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { secret?: string; port?: string; host?: string };
  try {
    ({ values } = parseArgs({
      options: { secret: { type: "string" }, port: { type: "string" }, host: { type: "string" } },
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  if (!values.secret) usage("--secret is required");
  const port = Number(values.port ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage("--port must be a number from 0 to 65535");
  let listener: Listener;
  try {
    listener = await startListener({ secret: values.secret, port, host: values.host ?? "127.0.0.1" });
  } catch (error) {
    usage((error as Error).message);
  }
  process.stdout.write(`listening on ${listener.url} — verifying with standardwebhooks\n`);
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      listener.stop().then(() => process.exit(0));
    });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

import * as Config from "../config.ts";

type Level = "debug" | "info" | "warn" | "error";
const ORDER = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

/** Keys whose values never reach a log line, at any depth. */
const SECRET_KEY = /secret|authorization|token|password|credential|signature|^key$/i;

export type LogSink = (line: string) => void;

/**
 * Standard output, one write per event-loop turn: writes to a file or a pipe are synchronous system
 * calls, and an access line per request made one call per request. Lines keep their order; what is
 * pending is written at exit, however the process exits (an uncaught error included; not SIGKILL).
 */
let pending: string[] = [];
function flush(): void {
  if (pending.length === 0) return;
  const text = `${pending.join("\n")}\n`;
  pending = [];
  process.stdout.write(text);
}
export const stdoutSink: LogSink = (line) => {
  pending.push(line);
  if (pending.length === 1) setImmediate(flush);
};
process.once("exit", flush);

let sink: LogSink = stdoutSink;

/** Where log lines go (tests capture them to prove that no secret is written). */
export function setLogSink(next: LogSink | undefined): void {
  sink = next ?? stdoutSink;
}

function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      stack: value.stack,
      cause: redact(value.cause, depth + 1),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_KEY.test(k) ? "[redacted]" : redact(v, depth + 1);
  return out;
}

function write(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[Config.get().logLevel]) return;
  const entry = { level, time: new Date().toISOString(), msg, ...(redact(fields ?? {}) as object) };
  sink(JSON.stringify(entry));
}

/** JSON lines, one per event, with secrets redacted by key name. */
export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};

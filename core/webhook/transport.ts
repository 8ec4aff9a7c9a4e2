import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { StringDecoder } from "node:string_decoder";
import ipaddr from "ipaddr.js";
import { InvalidParameterError } from "../errors.ts";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

const MAX_URL_LENGTH = 2048;
const MAX_RESPONSE_BYTES = 64 * 1024;
const SNIPPET_BYTES = 1024;

/**
 * Cloud-internal addresses that are refused even when private receivers are allowed: an instance's
 * credentials are one request away on each. 169.254.0.0/16 (AWS, GCP, Azure and OCI 169.254.169.254,
 * Tencent Cloud 169.254.0.23, ECS task metadata 169.254.170.2) is refused as link-local already.
 */
const METADATA: Array<[Address, number]> = [
  // AWS IPv6 instance services: IMDS ::254, DNS ::253, NTP ::123, EKS Pod Identity ::23.
  [ipaddr.parse("fd00:ec2::"), 32],
  // Google Cloud's metadata server on IPv6.
  [ipaddr.parse("fd20:ce::254"), 128],
  // Alibaba Cloud's metadata server, inside the carrier-grade NAT block.
  [ipaddr.parse("100.100.100.200"), 32],
  // Azure's WireServer (host agent, platform DNS): a public-looking address that only the host answers.
  [ipaddr.parse("168.63.129.16"), 32],
];

/** Ranges a developer may open with allowPrivate; everything else not `unicast` stays refused. */
const PRIVATE_REASON: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private (RFC 1918) address",
  carrierGradeNat: "a carrier-grade NAT (100.64.0.0/10) address",
  uniqueLocal: "a unique local (fc00::/7) address",
};

const ALWAYS_REASON: Record<string, string> = {
  unspecified: "an unspecified address",
  linkLocal: "a link-local address",
  multicast: "a multicast address",
  broadcast: "a broadcast address",
  reserved: "a reserved address",
};

const GLOBAL_UNICAST_V6: [Address, number] = [ipaddr.parse("2000::"), 3];
const LOCAL_NAT64_V6: [Address, number] = [ipaddr.parse("64:ff9b:1::"), 48];

function ipv4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255]);
}

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach it: IPv4-mapped (::ffff:0:0/96),
 * IPv4-translated (::ffff:0:0:0/96), the NAT64 well-known prefix (64:ff9b::/96) and 6to4 (2002::/16).
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = address.parts;
  switch (address.range()) {
    case "ipv4Mapped":
    case "rfc6145":
      return ipv4FromParts(p[6] ?? 0, p[7] ?? 0);
    case "rfc6052":
      // 64:ff9b:1::/48 is a local-use prefix whose embedding position the operator chooses.
      return address.match(LOCAL_NAT64_V6) ? undefined : ipv4FromParts(p[6] ?? 0, p[7] ?? 0);
    case "6to4":
      return ipv4FromParts(p[1] ?? 0, p[2] ?? 0);
    default:
      return undefined;
  }
}

function refusal(address: Address, policy: Policy): string | undefined {
  if (METADATA.some((range) => address.kind() === range[0].kind() && address.match(range)))
    return "a cloud metadata address";
  const range = address.range();
  const always = ALWAYS_REASON[range];
  if (always) return always;
  const privateReason = PRIVATE_REASON[range];
  if (privateReason) return policy.allowPrivate ? undefined : privateReason;
  if (address.kind() === "ipv6") {
    const v6 = address as ipaddr.IPv6;
    if (v6.zoneId !== undefined) return "a scoped (zone) address";
    const v4 = embeddedIpv4(v6);
    if (v4) return refusal(v4, policy);
    // Teredo, local-use NAT64, ORCHID, discard and the like: tunnels and special purposes, not receivers.
    if (range !== "unicast") return `a special-purpose address (${range})`;
    // Outside 2000::/3 nothing is assigned for global unicast; ::a.b.c.d (IPv4-compatible) lands here.
    if (!v6.match(GLOBAL_UNICAST_V6)) return "not a global unicast address";
    return undefined;
  }
  if (range !== "unicast") return `a special-purpose address (${range})`;
  return undefined;
}

/** A failure of one attempt, with the short stable text that is stored with it. */
class AttemptFailure extends Error {}

function failureText(error: unknown, timedOut: boolean): string {
  if (timedOut) return "timeout";
  if (error instanceof AttemptFailure) return error.message;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string") return "connection failed";
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
    case "EPIPE":
      return "connection reset";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
  }
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/.test(code))
    return `tls error: ${code}`;
  if (code.startsWith("HPE_")) return "invalid http response";
  return `connection failed: ${code}`;
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Hands the socket the addresses already checked, so that connecting never asks DNS a second time. */
function pinnedLookup(addresses: Array<{ address: string; family: number }>): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0];
    if (options.all) (callback as (e: null, a: typeof addresses) => void)(null, addresses);
    else if (first) callback(null, first.address, first.family);
  };
}

interface Answer {
  status: number;
  response: string;
}

/* Imported as `import * as WebhookTransport`: a bundle keeps only the functions its route calls. */

export interface Policy {
  allowPrivate: boolean;
  allowHttp: boolean;
}

// One pool per policy, so that no socket opened under one policy ever carries a request under another.
const agents = new Map<string, http.Agent>();

function agentFor(policy: Policy, secure: boolean): http.Agent {
  const key = `${secure}:${policy.allowPrivate}:${policy.allowHttp}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 64 };
    agent = secure ? new https.Agent(options) : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

/** The URL's form, without the IP-literal check, shared by checkUrl and send. */
function checkForm(url: string, policy: Policy): URL {
  const refuse = (reason: string) => InvalidParameterError.value("url", reason);
  if (url.length > MAX_URL_LENGTH) throw refuse(`must be at most ${MAX_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse("must be an absolute http(s) URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    throw refuse("must be an absolute http(s) URL");
  if (parsed.protocol === "http:" && !policy.allowHttp) throw refuse("must use https://");
  // WHATWG parsing gives every http(s) URL a non-empty host, so there is no host-less case to refuse.
  if (parsed.username !== "" || parsed.password !== "")
    throw refuse("must not contain a username or password");
  return parsed;
}

/** The host without IPv6 brackets, and whether it is an IP literal. */
function hostOf(url: URL): { host: string; family: number } {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { host, family: isIP(host) };
}

/** Checks a subscription URL's form at creation and update; IP-literal hosts are judged by addressRefusal. */
export function checkUrl(url: string, policy: Policy): URL {
  const parsed = checkForm(url, policy);
  const { host, family } = hostOf(parsed);
  if (family !== 0) {
    const reason = addressRefusal(host, policy);
    if (reason)
      throw InvalidParameterError.value("url", `host ${host} is ${reason}, which may not receive webhooks`);
  }
  return parsed;
}

/**
 * Why an address may not be a receiver, or undefined when it may. Addresses that carry an IPv4 address
 * (IPv4-mapped, IPv4-translated, NAT64, 6to4) are judged as that IPv4 address.
 */
export function addressRefusal(address: string, policy: Policy): string | undefined {
  if (!ipaddr.isValid(address)) return "not an IP address";
  return refusal(ipaddr.parse(address), policy);
}

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  policy: Policy;
  /** injectable DNS for tests; default dns.lookup with all:true */
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

export interface SendResult {
  ok: boolean;
  status?: number;
  latencyMs: number;
  error?: string;
  /** first 1 KiB of the response body, utf8 */
  response: string;
}

const defaultResolve = (host: string) => dnsLookup(host, { all: true });

async function addressesFor(req: SendRequest, url: URL, signal: AbortSignal) {
  const { host, family } = hostOf(url);
  // Node skips `lookup` for IP literals, so they are checked here like any resolved address.
  let addresses: Array<{ address: string; family: number }> = [{ address: host, family }];
  if (family === 0) {
    try {
      addresses = await abortable((req.resolve ?? defaultResolve)(host), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new AttemptFailure("dns lookup failed");
    }
    if (addresses.length === 0) throw new AttemptFailure("dns lookup failed");
  }
  // One bad address refuses the host: a rebinding name would otherwise win on a later connect.
  for (const { address } of addresses) {
    const reason = addressRefusal(address, req.policy);
    if (reason) throw new AttemptFailure(`blocked address: ${reason}`);
  }
  return addresses;
}

/** Reads at most MAX_RESPONSE_BYTES, then stops; the status alone decides the outcome. */
function readSnippet(res: http.IncomingMessage, signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      // StringDecoder holds back a multi-byte character cut at the limit instead of mangling it.
      resolve(new StringDecoder("utf8").write(Buffer.concat(chunks).subarray(0, SNIPPET_BYTES)));
    };
    const onAbort = () => {
      res.destroy();
      finish();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    res.on("data", (chunk: Buffer) => {
      if (size < SNIPPET_BYTES) chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_RESPONSE_BYTES) {
        res.destroy();
        finish();
      }
    });
    res.on("end", finish);
    res.on("error", finish);
    res.on("aborted", finish);
  });
}

function post(
  req: SendRequest,
  url: URL,
  addresses: Array<{ address: string; family: number }>,
  signal: AbortSignal,
) {
  const secure = url.protocol === "https:";
  const body = Buffer.from(req.body);
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([name]) => name.toLowerCase() !== "content-length"),
  );
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = (secure ? https : http).request({
      method: "POST",
      protocol: url.protocol,
      hostname: hostOf(url).host,
      port: url.port === "" ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: { ...headers, "content-length": String(body.length) },
      agent: agentFor(req.policy, secure),
      lookup: pinnedLookup(addresses),
      signal,
    });
    outgoing.on("error", (error) => reject(Object.assign(error, { reused: outgoing.reusedSocket })));
    outgoing.on("response", (res) => {
      readSnippet(res, signal).then((response) => resolve({ status: res.statusCode ?? 0, response }));
    });
    outgoing.end(body);
  });
}

async function attempt(req: SendRequest, signal: AbortSignal): Promise<Answer> {
  let url: URL;
  try {
    url = checkForm(req.url, req.policy);
  } catch (error) {
    throw new AttemptFailure(`invalid url: ${(error as Error).message.replace(/^url: /, "")}`);
  }
  const addresses = await addressesFor(req, url, signal);
  try {
    return await post(req, url, addresses, signal);
  } catch (error) {
    // A keep-alive socket the receiver closed while idle fails before any answer; one fresh socket
    // settles it. Receivers deduplicate on webhook-id, so a request that did arrive is harmless.
    if (!signal.aborted && (error as { reused?: boolean }).reused)
      return await post(req, url, addresses, signal);
    throw error;
  }
}

/** POSTs once and never throws: every failure is a result with ok=false and a short stable `error`. */
export async function send(req: SendRequest): Promise<SendResult> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AttemptFailure("timeout")), req.timeoutMs);
  const latencyMs = () => Math.round(performance.now() - started);
  try {
    const { status, response } = await attempt(req, controller.signal);
    if (status >= 200 && status < 300) return { ok: true, status, latencyMs: latencyMs(), response };
    const error = status >= 300 && status < 400 ? "redirects are not followed" : "non-2xx response";
    return { ok: false, status, latencyMs: latencyMs(), error, response };
  } catch (error) {
    return {
      ok: false,
      latencyMs: latencyMs(),
      error: failureText(error, controller.signal.aborted),
      response: "",
    };
  } finally {
    clearTimeout(timer);
  }
}

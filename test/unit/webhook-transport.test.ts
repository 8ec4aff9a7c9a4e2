import { once } from "node:events";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidParameterError } from "../../core/errors.ts";
import * as WebhookTransport from "../../core/webhook/transport.ts";
import { until } from "../support/wait.ts";

const { addressRefusal, checkUrl, send } = WebhookTransport;

const STRICT = { allowPrivate: false, allowHttp: false };
const PRIVATE = { allowPrivate: true, allowHttp: false };
const LOCAL = { allowPrivate: true, allowHttp: true };
const PUBLIC_HTTP = { allowPrivate: false, allowHttp: true };

const LOOPBACK = "a loopback address";
const RFC1918 = "a private (RFC 1918) address";
const CGNAT = "a carrier-grade NAT (100.64.0.0/10) address";
const ULA = "a unique local (fc00::/7) address";
const METADATA = "a cloud metadata address";

/** [address, reason without allowPrivate, whether allowPrivate lifts the refusal] */
const IPV4_CASES: Array<[string, string, boolean]> = [
  ["0.0.0.0", "an unspecified address", false],
  ["0.1.2.3", "an unspecified address", false],
  ["169.254.0.1", "a link-local address", false],
  ["169.254.169.254", "a link-local address", false],
  ["169.254.0.23", "a link-local address", false],
  ["100.100.100.200", METADATA, false],
  ["168.63.129.16", METADATA, false],
  ["224.0.0.1", "a multicast address", false],
  ["239.255.255.250", "a multicast address", false],
  ["255.255.255.255", "a broadcast address", false],
  ["240.0.0.1", "a reserved address", false],
  ["192.0.2.10", "a reserved address", false],
  ["198.18.0.1", "a reserved address", false],
  ["192.52.193.1", "a special-purpose address (amt)", false],
  ["127.0.0.1", LOOPBACK, true],
  ["127.255.255.254", LOOPBACK, true],
  ["10.0.0.1", RFC1918, true],
  ["172.16.0.1", RFC1918, true],
  ["172.31.255.255", RFC1918, true],
  ["192.168.1.1", RFC1918, true],
  ["100.64.0.1", CGNAT, true],
  ["100.127.255.255", CGNAT, true],
];

function sixToFour(v4: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = v4.split(".").map(Number);
  return `2002:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}::1`;
}

/** Every IPv6 form that carries an IPv4 address, judged as that address. */
const EMBEDDED_CASES: Array<[string, string, boolean]> = IPV4_CASES.flatMap(([v4, reason, lifted]) =>
  [`::ffff:${v4}`, `::ffff:0:${v4}`, `64:ff9b::${v4}`, sixToFour(v4)].map((v6): [string, string, boolean] => [
    v6,
    reason,
    lifted,
  ]),
);

const IPV6_CASES: Array<[string, string, boolean]> = [
  ["::", "an unspecified address", false],
  ["fe80::1", "a link-local address", false],
  ["febf:ffff::1", "a link-local address", false],
  ["fe80::1%eth0", "a link-local address", false],
  ["fd00:ec2::254", METADATA, false],
  ["fd00:ec2::23", METADATA, false],
  ["fd20:ce::254", METADATA, false],
  ["ff02::1", "a multicast address", false],
  ["2001:db8::1", "a reserved address", false],
  ["2001::1", "a special-purpose address (teredo)", false],
  ["64:ff9b:1::a00:1", "a special-purpose address (rfc6052)", false],
  ["fec0::1", "a special-purpose address (deprecatedSiteLocal)", false],
  ["::7f00:1", "not a global unicast address", false],
  ["4000::1", "not a global unicast address", false],
  ["2606:4700::1%eth0", "a scoped (zone) address", false],
  ["::1", LOOPBACK, true],
  ["::ffff:7f00:1", LOOPBACK, true],
  ["fc00::1", ULA, true],
  ["fd12:3456::1", ULA, true],
];

describe("WebhookTransport.addressRefusal", () => {
  it.each([...IPV4_CASES, ...IPV6_CASES, ...EMBEDDED_CASES])(
    "%s is %s (allowPrivate lifts it: %s)",
    (address, reason, lifted) => {
      // Act
      const strict = addressRefusal(address, STRICT);
      const relaxed = addressRefusal(address, PRIVATE);
      // Assess
      expect(strict).toBe(reason);
      expect(relaxed).toBe(lifted ? undefined : reason);
    },
  );

  it.each([
    "93.184.215.14",
    "8.8.8.8",
    "172.32.0.1",
    "100.128.0.1",
    "169.253.255.255",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    sixToFour("8.8.8.8"),
  ])("%s is a public unicast address and allowed", (address) => {
    expect(addressRefusal(address, STRICT)).toBeUndefined();
    expect(addressRefusal(address, PRIVATE)).toBeUndefined();
  });

  it("refuses text that is not an IP address", () => {
    expect(addressRefusal("hooks.example.com", PRIVATE)).toBe("not an IP address");
  });
});

function refusalOf(run: () => unknown): InvalidParameterError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidParameterError) return error;
    throw error;
  }
  throw new Error("expected checkUrl to refuse");
}

describe("WebhookTransport.checkUrl", () => {
  it("returns the parsed https URL", () => {
    // Act
    const url = checkUrl("https://hooks.example.com:8443/in?x=1", STRICT);
    // Assess
    expect(url.href).toBe("https://hooks.example.com:8443/in?x=1");
  });

  it.each([
    ["not a url", STRICT, "url: must be an absolute http(s) URL"],
    ["/relative/path", STRICT, "url: must be an absolute http(s) URL"],
    ["ftp://hooks.example.com/in", LOCAL, "url: must be an absolute http(s) URL"],
    ["javascript:alert(1)", LOCAL, "url: must be an absolute http(s) URL"],
    ["http://hooks.example.com/in", PRIVATE, "url: must use https://"],
    ["https://user:pw@hooks.example.com/", STRICT, "url: must not contain a username or password"],
    ["https://user@hooks.example.com/", STRICT, "url: must not contain a username or password"],
    ["https://:pw@hooks.example.com/", STRICT, "url: must not contain a username or password"],
    [`https://hooks.example.com/${"a".repeat(2049 - 26)}`, STRICT, "url: must be at most 2048 characters"],
    [
      "https://127.0.0.1/",
      STRICT,
      "url: host 127.0.0.1 is a loopback address, which may not receive webhooks",
    ],
    ["https://0x7f.1/", STRICT, "url: host 127.0.0.1 is a loopback address, which may not receive webhooks"],
    [
      "https://[::ffff:127.0.0.1]/",
      STRICT,
      "url: host ::ffff:7f00:1 is a loopback address, which may not receive webhooks",
    ],
    [
      "https://10.1.2.3/",
      STRICT,
      "url: host 10.1.2.3 is a private (RFC 1918) address, which may not receive webhooks",
    ],
    [
      "https://169.254.169.254/",
      PRIVATE,
      "url: host 169.254.169.254 is a link-local address, which may not receive webhooks",
    ],
    [
      "https://[fd00:ec2::254]/",
      PRIVATE,
      "url: host fd00:ec2::254 is a cloud metadata address, which may not receive webhooks",
    ],
  ])("refuses %s", (url, policy, message) => {
    // Act
    const error = refusalOf(() => checkUrl(url, policy));
    // Assess
    expect(error.message).toBe(message);
    expect(error.field).toBe("url");
    expect(error.code).toBe("InvalidParameterValue");
  });

  it.each([
    ["http://hooks.example.com/in", PUBLIC_HTTP],
    [`https://hooks.example.com/${"a".repeat(2048 - 26)}`, STRICT],
    ["https://127.0.0.1:9000/", PRIVATE],
    ["https://[::1]/", PRIVATE],
    ["https://192.168.1.20/", PRIVATE],
    ["https://[2606:4700:4700::1111]/", STRICT],
  ])("accepts %s", (url, policy) => {
    expect(checkUrl(url, policy)).toBeInstanceOf(URL);
  });
});

interface Receiver {
  url: string;
  port: number;
  hits: Array<{ host: string | undefined; body: string; headers: http.IncomingHttpHeaders }>;
  connections: number;
}

const servers: http.Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function listen(server: http.Server): Promise<number> {
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** A real receiver on 127.0.0.1 that records what reaches it. */
async function receiver(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<Receiver> {
  const state: Receiver = { url: "", port: 0, hits: [], connections: 0 };
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      state.hits.push({ host: req.headers.host, body, headers: req.headers });
      answer(req, res);
    });
  });
  server.on("connection", () => {
    state.connections++;
  });
  state.port = await listen(server);
  state.url = `http://127.0.0.1:${state.port}`;
  return state;
}

const toLocalhost = async () => [{ address: "127.0.0.1", family: 4 }];

function request(
  url: string,
  overrides: Partial<WebhookTransport.SendRequest> = {},
): WebhookTransport.SendRequest {
  return {
    url,
    headers: { "content-type": "application/json", "webhook-id": "msg_1" },
    body: '{"type":"webhook.test"}',
    timeoutMs: 5_000,
    policy: LOCAL,
    ...overrides,
  };
}

describe("WebhookTransport.send", () => {
  it("delivers the body and headers, and a 2xx is ok", async () => {
    // Prepare
    const target = await receiver((_req, res) => res.writeHead(200).end("thanks"));
    // Act
    const result = await send(request(`${target.url}/in?x=1`));
    // Assess
    expect(result).toMatchObject({ ok: true, status: 200, response: "thanks" });
    expect(result.error).toBeUndefined();
    expect(target.hits).toHaveLength(1);
    expect(target.hits[0]?.body).toBe('{"type":"webhook.test"}');
    expect(target.hits[0]?.headers).toMatchObject({ "webhook-id": "msg_1", "content-length": "23" });
  });

  it("reports a 500 with its status and the first 1 KiB of the response", async () => {
    // Prepare
    const target = await receiver((_req, res) => res.writeHead(500).end("x".repeat(5000)));
    // Act
    const result = await send(request(target.url));
    // Assess
    expect(result).toMatchObject({ ok: false, status: 500, error: "non-2xx response" });
    expect(result.response).toBe("x".repeat(1024));
  });

  it("cuts the snippet at a character boundary", async () => {
    // Prepare
    const target = await receiver((_req, res) => res.writeHead(200).end(`a${"é".repeat(1000)}`));
    // Act
    const result = await send(request(target.url));
    // Assess
    expect(result.response).toBe(`a${"é".repeat(511)}`);
  });

  it("does not follow a redirect", async () => {
    // Prepare
    const elsewhere = await receiver((_req, res) => res.writeHead(200).end());
    const target = await receiver((_req, res) =>
      res.writeHead(302, { location: elsewhere.url }).end("moved"),
    );
    // Act
    const result = await send(request(target.url));
    // Assess
    expect(result).toMatchObject({ ok: false, status: 302, error: "redirects are not followed" });
    expect(elsewhere.hits).toHaveLength(0);
  });

  it("gives up on a receiver that never answers within timeoutMs", async () => {
    // Prepare
    const target = await receiver(() => {});
    // Act
    const result = await send(request(target.url, { timeoutMs: 300 }));
    // Assess
    expect(result).toMatchObject({ ok: false, error: "timeout", response: "" });
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
    expect(result.latencyMs).toBeLessThan(1_000);
  });

  it("counts DNS resolution inside the timeout", async () => {
    // Act
    const result = await send(
      request("http://hooks.example.com/", { timeoutMs: 300, resolve: () => new Promise(() => {}) }),
    );
    // Assess
    expect(result).toMatchObject({ ok: false, error: "timeout" });
    expect(result.latencyMs).toBeLessThan(1_000);
  });

  it("reports a closed port as refused", async () => {
    // Prepare
    const server = http.createServer();
    const port = await listen(server);
    server.close();
    await once(server, "close");
    // Act
    const result = await send(request(`http://127.0.0.1:${port}/`));
    // Assess
    expect(result).toMatchObject({ ok: false, error: "connection refused" });
  });

  it("reports a name that does not resolve", async () => {
    // Prepare
    const notFound = Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    // Act
    const failed = await send(
      request("http://nowhere.example/", { resolve: () => Promise.reject(notFound) }),
    );
    const empty = await send(request("http://nowhere.example/", { resolve: async () => [] }));
    // Assess
    expect(failed).toMatchObject({ ok: false, error: "dns lookup failed" });
    expect(empty).toMatchObject({ ok: false, error: "dns lookup failed" });
  });

  it("refuses localhost when private receivers are not allowed", async () => {
    // Prepare
    const target = await receiver((_req, res) => res.writeHead(200).end());
    // Act
    const result = await send(request(`http://localhost:${target.port}/`, { policy: PUBLIC_HTTP }));
    // Assess
    expect(result).toMatchObject({ ok: false, error: "blocked address: a loopback address" });
    expect(target.hits).toHaveLength(0);
  });

  it.each(["127.0.0.1", "[::ffff:127.0.0.1]"])("refuses the IP literal %s at send time", async (host) => {
    // Prepare
    const target = await receiver((_req, res) => res.writeHead(200).end());
    // Act
    const result = await send(request(`http://${host}:${target.port}/`, { policy: PUBLIC_HTTP }));
    // Assess
    expect(result).toMatchObject({ ok: false, error: "blocked address: a loopback address" });
    expect(target.hits).toHaveLength(0);
  });

  it("connects to the address it checked, without resolving again", async () => {
    // Prepare
    const target = await receiver((_req, res) => res.writeHead(204).end());
    const asked: string[] = [];
    const resolve = async (host: string) => {
      asked.push(host);
      return toLocalhost();
    };
    const url = `http://hooks.example.com:${target.port}/in`;
    // Act
    const refused = await send(request(url, { policy: PUBLIC_HTTP, resolve }));
    const allowed = await send(request(url, { policy: LOCAL, resolve }));
    // Assess
    expect(refused).toMatchObject({ ok: false, error: "blocked address: a loopback address" });
    expect(allowed).toMatchObject({ ok: true, status: 204 });
    expect(asked).toEqual(["hooks.example.com", "hooks.example.com"]);
    expect(target.hits.map((hit) => hit.host)).toEqual([`hooks.example.com:${target.port}`]);
  });

  it("refuses a host when any one of its addresses is refused", async () => {
    // Prepare
    const target = await receiver((_req, res) => res.writeHead(200).end());
    const resolve = async () => [
      { address: "93.184.215.14", family: 4 },
      { address: "127.0.0.1", family: 4 },
    ];
    // Act
    const result = await send(
      request(`http://hooks.example.com:${target.port}/`, { policy: PUBLIC_HTTP, resolve }),
    );
    // Assess
    expect(result).toMatchObject({ ok: false, error: "blocked address: a loopback address" });
    expect(target.hits).toHaveLength(0);
  });

  it("refuses http:// unless the policy allows it", async () => {
    // Prepare
    const target = await receiver((_req, res) => res.writeHead(200).end());
    // Act
    const result = await send(request(target.url, { policy: PRIVATE }));
    // Assess
    expect(result).toMatchObject({ ok: false, error: "invalid url: must use https://" });
    expect(target.hits).toHaveLength(0);
  });

  it("stops reading a large response after 64 KiB", async () => {
    // Prepare: 1 MB that never ends, so only a reader that stops early can finish.
    let clientGone = false;
    const target = await receiver((req, res) => {
      req.socket.on("close", () => {
        clientGone = true;
      });
      res.writeHead(200);
      res.write("y".repeat(1024 * 1024));
    });
    // Act
    const result = await send(request(target.url, { timeoutMs: 10_000 }));
    // Assess
    expect(result).toMatchObject({ ok: true, status: 200, response: "y".repeat(1024) });
    expect(result.latencyMs).toBeLessThan(3_000);
    await until(() => clientGone, 3_000, "the client to close the connection");
  });

  it("is ok for a complete 1 MB response", async () => {
    // Prepare
    const target = await receiver((_req, res) => res.writeHead(200).end("z".repeat(1024 * 1024)));
    // Act
    const result = await send(request(target.url));
    // Assess
    expect(result).toMatchObject({ ok: true, status: 200, response: "z".repeat(1024) });
  });

  it("keeps connections alive across sends", async () => {
    // Prepare
    const target = await receiver((_req, res) => res.writeHead(200).end("ok"));
    // Act
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await send(request(target.url)));
    // Assess
    expect(results.every((result) => result.ok)).toBe(true);
    expect(target.connections).toBe(1);
  });

  it("retries once on a fresh socket when a kept-alive one was closed by the receiver", async () => {
    // Prepare: the receiver drops every connection on its second request, as an idle timeout would.
    const perSocket = new WeakMap<object, number>();
    const target = await receiver((req, res) => {
      const count = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, count);
      if (count > 1) req.socket.destroy();
      else res.writeHead(200).end("ok");
    });
    // Act
    const first = await send(request(target.url));
    const second = await send(request(target.url));
    // Assess
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: true, status: 200 });
    expect(target.connections).toBe(2);
  });

  it("verifies TLS against the host name, sent as SNI, while connecting to the checked address", async () => {
    // Prepare
    const names: string[] = [];
    const context = tls.createSecureContext({ key: TEST_KEY, cert: TEST_CERT });
    const server = https.createServer({
      key: TEST_KEY,
      cert: TEST_CERT,
      SNICallback: (name, done) => {
        names.push(name);
        done(null, context);
      },
    });
    const port = await listen(server);
    // Act
    const result = await send(request(`https://hooks.example.com:${port}/`, { resolve: toLocalhost }));
    // Assess
    expect(result).toMatchObject({ ok: false, error: "tls error: DEPTH_ZERO_SELF_SIGNED_CERT" });
    expect(names).toEqual(["hooks.example.com"]);
  });
});

// A throwaway self-signed certificate for hooks.example.com (valid until 2126); it protects nothing.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVHaWacs80mDat/R5
q/dAm0zP2yXjjuqEYxYqvxpt7yehRANCAAQ8FqvDJp1fX1twiH/d8sPgqBBrWU2i
v+Tz/VAXIhynVX+nazzy85Abw40O9omCXUg4FD1aN2GaIUtEMD92IVA2
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBrTCCAVOgAwIBAgIUX3DsPZzDFS/sFrWkggx7axmlbmcwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRaG9va3MuZXhhbXBsZS5jb20wIBcNMjYxMTMwMTYyMjA3WhgP
MjEyNjExMDYxNjIyMDdaMBwxGjAYBgNVBAMMEWhvb2tzLmV4YW1wbGUuY29tMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPBarwyadX19bcIh/3fLD4KgQa1lNor/k
8/1QFyIcp1V/p2s88vOQG8ONDvaJgl1IOBQ9WjdhmiFLRDA/diFQNqNxMG8wHQYD
VR0OBBYEFMzAdhy2guJIQoKcbVItV1u81wOwMB8GA1UdIwQYMBaAFMzAdhy2guJI
QoKcbVItV1u81wOwMA8GA1UdEwEB/wQFMAMBAf8wHAYDVR0RBBUwE4IRaG9va3Mu
ZXhhbXBsZS5jb20wCgYIKoZIzj0EAwIDSAAwRQIhANMVQXUpSpuYvXSLL0J70FtC
+7t1SGa4bF0GHwwA0vIyAiB7qxPKr4MaLATJJrT0oMeMsLIcWoP/zlLf1gRjotNa
WA==
-----END CERTIFICATE-----
`;

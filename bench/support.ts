/** What the benches share: calls to a running Linkplane, tenants, percentiles. */

export type Headers = Record<string, string>;

export function client(base: string, operatorToken: string) {
  const op: Headers = { authorization: `Bearer ${operatorToken}`, "content-type": "application/json" };
  async function api(method: string, path: string, auth: Headers, body?: unknown) {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: auth,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text.startsWith("{") ? JSON.parse(text) : text;
  }
  async function tenant() {
    const account = await api("POST", "/v1/operator/accounts", op, {});
    const cred = await api("POST", `/v1/operator/accounts/${account.uin}/credentials`, op);
    return {
      uin: account.uin as string,
      h: { authorization: `Bearer ${cred.secretId}:${cred.secretKey}`, "content-type": "application/json" },
    };
  }
  return { api, tenant, op };
}

export const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

export const median = (xs: number[]) => percentile(xs, 0.5);

import {
  type BackendInstance,
  client,
  type HistoryEntry,
  ok,
  type Page,
  type SecurityGroup,
  type Tag,
  type Vpc,
} from "../api.ts";
import { badge, h, select, when } from "../dom.ts";
import type { PageQuery } from "../table.ts";

/** The name rule of the reference product: 1–80 of letters, digits, `_`, `-` and Chinese characters. */
export const NAME_RULE = /^[A-Za-z0-9_\-\u4e00-\u9fa5]{1,80}$/;

/** A name input that says, as you type, whether the name is allowed. */
export function nameInput(value = ""): { input: HTMLInputElement; hint: HTMLElement } {
  const hint = h("small", { class: "hint", "aria-live": "polite" });
  const input = h("input", { name: "name", required: true, maxlength: 80, value, "aria-describedby": "" });
  const check = () => {
    const v = input.value;
    const allowed = NAME_RULE.test(v);
    hint.textContent = allowed
      ? `${[...v].length}/80 ✓`
      : v.length === 0
        ? "1–80 characters: letters, digits, _ - and Chinese characters"
        : "Only letters, digits, _ - and Chinese characters, at most 80";
    hint.className = allowed ? "hint ok" : v.length === 0 ? "hint" : "hint bad";
    input.setCustomValidity(allowed ? "" : hint.textContent);
  };
  input.addEventListener("input", check);
  check();
  return { input, hint };
}

/**
 * Every page of a list, for pickers (inventory is small; the API pages at 100):
 * `all((page) => ok(client.GET("/v1/vpcs", { params: { query: { ...page, region } } })))`.
 */
export async function all<T>(load: (page: PageQuery) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await load({ limit: 100, cursor });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && out.length < 1000);
  return out;
}

/** The caller's VPCs, backend instances and security groups in a region, for pickers. */
export const vpcsIn = (region: string): Promise<Vpc[]> =>
  all((page) => ok(client.GET("/v1/vpcs", { params: { query: { ...page, region } } })));
export const backendsIn = (region: string): Promise<BackendInstance[]> =>
  all((page) => ok(client.GET("/v1/backend-instances", { params: { query: { ...page, region } } })));
export const securityGroupsIn = (region: string): Promise<SecurityGroup[]> =>
  all((page) => ok(client.GET("/v1/security-groups", { params: { query: { ...page, region } } })));

/** "env=prod, team=网络" ⇄ tags. */
export function parseTags(text: string): Tag[] {
  return text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [key, ...rest] = p.split("=");
      return { key: (key ?? "").trim(), value: rest.join("=").trim() };
    });
}
export function tagsText(tags: Tag[] | undefined): string {
  return (tags ?? []).map((t) => `${t.key}=${t.value}`).join(", ");
}

export function facts(pairs: Array<[string, Node | string]>): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    pairs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}

export function tabs(base: string, current: string, items: Array<[string, string]>): HTMLElement {
  return h(
    "nav",
    { class: "tabs", "aria-label": "Sections" },
    items.map(([id, label]) =>
      h("a", { href: `#/${base}/${id}`, "aria-current": id === current ? "page" : undefined }, label),
    ),
  );
}

/** What a batch answered, one line per item (connections and allowlist answer per item). */
export function resultsList(results: Array<{ id: string; ok: boolean; text: string }>): HTMLElement {
  return h(
    "ul",
    { class: "results", "aria-label": "Results" },
    results.map((r) =>
      h("li", { class: r.ok ? "ok" : "bad", "data-key": r.id }, h("strong", {}, r.id), " ", r.text),
    ),
  );
}

/** A connection's state history, as both sides see it (a service's connection, an endpoint). */
export function timeline(items: HistoryEntry[]): HTMLElement {
  return h(
    "ol",
    { class: "timeline" },
    items.map((e) =>
      h(
        "li",
        {},
        h("time", { datetime: e.at }, when(e.at)),
        " ",
        e.from ? badge(e.from) : "created",
        " → ",
        badge(e.to),
        ` by ${e.actor}`,
        e.reason ? h("q", {}, e.reason) : null,
      ),
    ),
  );
}

/** The connection-state filter of the endpoint lists: the consumer's and a service's connections. */
export function stateFilter(): HTMLSelectElement {
  const state = select("state", [
    ["", "All states"],
    ["pending", "Pending"],
    ["available", "Available"],
    ["rejected", "Rejected"],
    ["failed", "Failed"],
  ]);
  state.setAttribute("aria-label", "State");
  return state;
}

import "./style.css";
import { client, loadSession, ok, type Session, saveSession } from "./api.ts";
import { attempt, clear, field, h } from "./dom.ts";
import { navigate, REGIONS } from "./nav.ts";
import { endpointDetail } from "./pages/endpoint-detail.ts";
import { endpointsPage, newEndpoint } from "./pages/endpoints.ts";
import { exportsPage } from "./pages/exports.ts";
import { inventoryPage } from "./pages/inventory.ts";
import { operatorPage } from "./pages/operator.ts";
import { serviceDetail } from "./pages/service-detail.ts";
import { newService, servicesPage } from "./pages/services.ts";
import { webhookDetail, webhooksPage } from "./pages/webhooks.ts";

type Page = (root: HTMLElement, ...params: string[]) => void | Promise<void>;

const ACCOUNT_ROUTES: Array<[RegExp, Page]> = [
  [/^services$/, servicesPage],
  [/^services\/new$/, newService],
  [/^services\/([^/]+)(?:\/(\w+))?$/, serviceDetail],
  [/^endpoints$/, endpointsPage],
  [/^endpoints\/new$/, newEndpoint],
  [/^endpoints\/([^/]+)(?:\/(\w+))?$/, endpointDetail],
  [/^inventory(?:\/([\w-]+))?$/, inventoryPage],
  [/^exports$/, exportsPage],
  [/^webhooks$/, webhooksPage],
  [/^webhooks\/([^/]+)$/, webhookDetail],
];
const OPERATOR_ROUTES: Array<[RegExp, Page]> = [[/^operator(?:\/(\w+))?$/, operatorPage]];

const NAV_ACCOUNT: Array<[string, string]> = [
  ["services", "Endpoint services"],
  ["endpoints", "Endpoints"],
  ["inventory", "Inventory"],
  ["exports", "Metric exports"],
  ["webhooks", "Webhooks"],
];

function signIn(root: HTMLElement): void {
  document.title = "Sign in · Linkplane";
  const mode = h("fieldset", { class: "tabs-radio" }, h("legend", {}, "Sign in as"));
  for (const [value, label] of [
    ["account", "Account (SecretId / SecretKey)"],
    ["operator", "Operator (token)"],
  ] as const) {
    mode.append(
      h(
        "label",
        {},
        h("input", {
          type: "radio",
          name: "kind",
          value,
          checked: value === "account",
          on: { change: () => sync() },
        }),
        label,
      ),
    );
  }
  const accountFields = h(
    "div",
    {},
    field("SecretId", h("input", { name: "secretId", autocomplete: "username", spellcheck: "false" })),
    field("SecretKey", h("input", { name: "secretKey", type: "password", autocomplete: "current-password" })),
  );
  const operatorFields = h(
    "div",
    { hidden: true },
    field(
      "Operator token",
      h("input", { name: "token", type: "password", autocomplete: "current-password" }),
    ),
  );
  const form: HTMLFormElement = h(
    "form",
    { class: "card signin", on: { submit: (e: Event) => submit(e) } },
    h("h1", {}, "Sign in to Linkplane"),
    mode,
    accountFields,
    operatorFields,
    field(
      "Region",
      h(
        "select",
        { name: "region" },
        REGIONS.map((r) => h("option", { value: r }, r)),
      ),
    ),
    h(
      "p",
      { class: "hint" },
      "Credentials stay in this tab (sessionStorage) and are sent only to this Linkplane API.",
    ),
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  function sync() {
    const kind = (form.elements.namedItem("kind") as RadioNodeList).value;
    accountFields.hidden = kind !== "account";
    operatorFields.hidden = kind !== "operator";
  }
  async function submit(e: Event) {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries()) as Record<string, string>;
    const session: Session =
      data.kind === "operator"
        ? { kind: "operator", token: (data.token ?? "").trim(), region: data.region ?? REGIONS[0] ?? "" }
        : {
            kind: "account",
            secretId: (data.secretId ?? "").trim(),
            secretKey: (data.secretKey ?? "").trim(),
            region: data.region ?? REGIONS[0] ?? "",
          };
    saveSession(session);
    // Check the credentials with a cheap read before going in, so a typo shows the API's own error.
    const signedIn = await attempt(form, async () => {
      if (session.kind === "operator") await ok(client.GET("/v1/operator/jobs"));
      else await ok(client.GET("/v1/vpcs", { params: { query: { limit: 1 } } }));
    });
    if (!signedIn) {
      saveSession(undefined);
      return;
    }
    navigate(session.kind === "operator" ? "operator" : "services");
  }
  clear(root, h("main", { id: "main", class: "center" }, form));
}

function shell(session: Session): { main: HTMLElement; frame: HTMLElement } {
  const regionSelect = h(
    "select",
    {
      "aria-label": "Region",
      on: {
        change: (e: Event) => {
          saveSession({ ...session, region: (e.target as HTMLSelectElement).value });
          navigate(location.hash.replace(/^#\/?/, "").split("/")[0] ?? "");
        },
      },
    },
    REGIONS.map((r) => h("option", { value: r, selected: r === session.region }, r)),
  );
  const current = location.hash.replace(/^#\/?/, "").split("/")[0];
  const nav = session.kind === "operator" ? [["operator", "Operator"] as [string, string]] : NAV_ACCOUNT;
  const main = h("main", { id: "main", tabindex: "-1" });
  const frame = h(
    "div",
    { class: "frame" },
    h("a", { href: "#main", class: "skip" }, "Skip to content"),
    h(
      "header",
      { class: "top" },
      h("a", { href: "#/", class: "brand" }, "Linkplane"),
      h(
        "nav",
        { "aria-label": "Main" },
        h(
          "ul",
          {},
          nav.map(([path, label]) =>
            h(
              "li",
              {},
              h("a", { href: `#/${path}`, "aria-current": path === current ? "page" : undefined }, label),
            ),
          ),
        ),
      ),
      h("span", { class: "grow" }),
      regionSelect,
      h("span", { class: "who" }, session.kind === "operator" ? "Operator" : session.secretId.slice(0, 12)),
      h(
        "button",
        {
          type: "button",
          on: {
            click: () => {
              saveSession(undefined);
              navigate("signin");
            },
          },
        },
        "Sign out",
      ),
    ),
    main,
  );
  return { main, frame };
}

function render(): void {
  const root = document.getElementById("app") as HTMLElement;
  const session = loadSession();
  const path = location.hash.replace(/^#\/?/, "");
  if (!session) {
    signIn(root);
    return;
  }
  const routes = session.kind === "operator" ? OPERATOR_ROUTES : ACCOUNT_ROUTES;
  const fallback = session.kind === "operator" ? "operator" : "services";
  for (const [pattern, page] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    const { main, frame } = shell(session);
    clear(root, frame);
    void attempt(main, async () => {
      await page(main, ...match.slice(1).map((p) => (p === undefined ? "" : decodeURIComponent(p))));
    });
    return;
  }
  navigate(fallback);
}

window.addEventListener("hashchange", render);
render();

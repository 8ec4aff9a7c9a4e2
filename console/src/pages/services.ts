import {
  type AllowlistEntry,
  allFields,
  type Connection,
  client,
  download,
  type EndpointService,
  type HistoryEntry,
  LINK,
  type ListedService,
  ok,
  type ServiceType,
  type State,
} from "../api.ts";
import type { operations } from "../api-schema.ts";
import {
  actionForm,
  attempt,
  badge,
  clear,
  dialog,
  field,
  formDialog,
  h,
  select,
  toast,
  when,
  yesNo,
} from "../dom.ts";
import { metricsPanel, SERVICE_METRICS } from "../metrics.ts";
import { navigate, region } from "../nav.ts";
import { listView } from "../table.ts";
import { all, backendsIn, facts, nameInput, parseTags, tabs, tagsText, vpcsIn } from "./common.ts";

/**
 * `tag` "env=prod" in the form → the API's `tag:env=prod` filter. Its name holds the tag's key, so the
 * schema can only describe it as `tag:{key}`; this is the one query parameter the type check cannot name.
 */
function tagFilter(tag: string | undefined): Record<`tag:${string}`, string> {
  if (!tag?.includes("=")) return {};
  const [k, ...v] = tag.split("=");
  return { [`tag:${(k ?? "").trim()}`]: v.join("=").trim() };
}

export async function servicesPage(root: HTMLElement): Promise<void> {
  document.title = "Endpoint services · Linkplane";
  const scope = select("authorized", [
    ["", "My services"],
    ["true", "Services I may connect to"],
  ]);
  scope.setAttribute("aria-label", "Which services");
  const tag = h("input", { name: "tag", placeholder: "tag key=value", "aria-label": "Tag filter" });
  const list = listView<ListedService>({
    id: "services",
    search: "Search by ID or name",
    filters: [scope, tag],
    columns: [
      { key: "id", label: "ID", render: (s) => h("a", { href: `#/services/${s.id}` }, s.id) },
      { key: "name", label: "Name" },
      { key: "serviceType", label: "Type" },
      { key: "autoAccept", label: "Auto-accept", render: (s) => yesNo(s.autoAccept) },
      { key: "endpointCount", label: "Endpoints" },
      { key: "serviceVip", label: "VIP" },
      { key: "vpcId", label: "VPC", hidden: true },
      { key: "backendInstanceId", label: "Backend", hidden: true },
      { key: "ownerUin", label: "Owner UIN", hidden: true },
      { key: "tags", label: "Tags", render: (s) => tagsText(s.tags) || "—" },
      { key: "createdAt", label: "Created", render: (s) => when(s.createdAt) },
    ],
    rowKey: (s) => s.id,
    load: (page, f) =>
      allFields<ListedService>(
        ok(
          client.GET("/v1/endpoint-services", {
            params: {
              query: {
                ...page,
                region: region(),
                q: f.q,
                authorized: f.authorized as "true" | undefined,
                ...tagFilter(f.tag),
              },
            },
          }),
        ),
      ),
    actions: [
      h(
        "button",
        {
          type: "button",
          on: {
            click: () =>
              void attempt(list.element, () => {
                // The file holds what the list shows: the same scope, search and tag filter.
                const f = list.query();
                return download(
                  client.GET("/v1/endpoint-services/export", {
                    params: {
                      query: {
                        region: region(),
                        q: f.q,
                        authorized: f.authorized as "true" | undefined,
                        ...tagFilter(f.tag),
                        ...LINK,
                      },
                    },
                    parseAs: "blob",
                  }),
                  "endpoint-services.csv",
                );
              }),
          },
        },
        "Export CSV",
      ),
      h("a", { href: "#/services/new", class: "button primary" }, "Create endpoint service"),
    ],
  });
  clear(root, h("h1", {}, "Endpoint services"), h("p", { class: "sub" }, `Region ${region()}`), list.element);
  await list.reload();
}

export async function newService(root: HTMLElement): Promise<void> {
  document.title = "Create endpoint service · Linkplane";
  const [vpcs, backends] = await Promise.all([vpcsIn(region()), backendsIn(region())]);
  const name = nameInput();
  const vpc = select(
    "vpcId",
    vpcs.map((v) => [v.id, `${v.name} (${v.id}, ${v.cidrBlock})`]),
  );
  const type = select("serviceType", [
    ["CLB", "CLB — private layer-4 load balancer"],
    ["CDB", "CDB — MySQL"],
    ["CRS", "CRS — Redis"],
  ]);
  const backend = h("select", { name: "backendInstanceId" });
  // The backend must be of the chosen type and in the chosen VPC: offer only those.
  const filterBackends = () => {
    const fits = backends.filter((b) => b.type === type.value && b.vpcId === vpc.value);
    clear(
      backend,
      fits.length
        ? fits.map((b) => h("option", { value: b.id }, `${b.name} (${b.id}, ${b.vip}:${b.port})`))
        : h("option", { value: "" }, `No ${type.value} instance in this VPC`),
    );
  };
  vpc.addEventListener("change", filterBackends);
  type.addEventListener("change", filterBackends);
  filterBackends();
  const form = actionForm(
    {
      class: "card",
    },
    [
      field("Name", name.input, name.hint),
      field("VPC", vpc),
      field("Service type", type),
      field(
        "Backend instance",
        backend,
        "Only instances of this type in this VPC that serve no other service can be used.",
      ),
      h(
        "label",
        { class: "inline" },
        h("input", { type: "checkbox", name: "autoAccept" }),
        "Accept connection requests automatically",
      ),
      field("Tags", h("input", { name: "tags", placeholder: "env=prod, team=网络" })),
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", class: "primary" }, "Create"),
        h("a", { href: "#/services" }, "Cancel"),
      ),
    ],
    async (v) => {
      const created = await ok(
        client.POST("/v1/endpoint-services", {
          body: {
            name: v.name ?? "",
            vpcId: v.vpcId ?? "",
            serviceType: v.serviceType as ServiceType,
            backendInstanceId: v.backendInstanceId ?? "",
            autoAccept: v.autoAccept === "on",
            tags: parseTags(v.tags ?? ""),
          },
        }),
      );
      toast(`Created ${created.id}`);
      navigate(`services/${created.id}`);
    },
  );
  clear(root, h("h1", {}, "Create endpoint service"), h("p", { class: "sub" }, `Region ${region()}`), form);
}

export async function serviceDetail(root: HTMLElement, id: string, tab = "connections"): Promise<void> {
  const svc = await ok(client.GET("/v1/endpoint-services/{id}", { params: { path: { id } } }));
  document.title = `${svc.name} · Linkplane`;
  const section = h("section", { class: "tab-body" });
  const tabNav = tabs(`services/${svc.id}`, tab || "connections", [
    ["connections", "Connections"],
    ["allowlist", "Allowlist"],
    ["metrics", "Monitoring"],
  ]);
  const header = h(
    "div",
    { class: "card" },
    facts([
      ["ID", svc.id],
      ["Name", svc.name],
      ["Type", svc.serviceType],
      ["VPC", svc.vpcId],
      ["Backend instance", svc.backendInstanceId],
      ["Service VIP", svc.serviceVip],
      ["Auto-accept", yesNo(svc.autoAccept)],
      ["Endpoints", String(svc.endpointCount)],
      ["Tags", tagsText(svc.tags) || "—"],
      ["Created", when(svc.createdAt)],
    ]),
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", on: { click: () => rename(svc) } }, "Rename"),
      h("button", { type: "button", on: { click: () => void changeBackend(svc) } }, "Change backend"),
      h(
        "button",
        { type: "button", on: { click: () => toggleAutoAccept(svc) } },
        svc.autoAccept ? "Turn auto-accept off" : "Turn auto-accept on",
      ),
      h("button", { type: "button", class: "danger", on: { click: () => remove(svc) } }, "Delete"),
    ),
  );
  clear(
    root,
    h("p", {}, h("a", { href: "#/services" }, "‹ Endpoint services")),
    h("h1", {}, svc.name),
    header,
    tabNav,
    section,
  );
  if (tab === "allowlist") await allowlistTab(section, svc);
  else if (tab === "metrics") await serviceMetricsTab(section, svc);
  else await connectionsTab(section, svc);
}

type ServicePatch = NonNullable<
  operations["updateEndpointService"]["requestBody"]
>["content"]["application/json"];

function patchDialog(
  title: string,
  svc: EndpointService,
  body: HTMLElement[],
  toBody: (v: Record<string, string>) => ServicePatch,
): void {
  formDialog(title, body, "Save", async (v, close) => {
    await ok(
      client.PATCH("/v1/endpoint-services/{id}", { params: { path: { id: svc.id } }, body: toBody(v) }),
    );
    close();
    toast("Saved");
    navigate(location.hash.slice(2));
  });
}

function rename(svc: EndpointService): void {
  const name = nameInput(svc.name);
  patchDialog("Rename endpoint service", svc, [field("Name", name.input, name.hint)], (v) => ({
    name: v.name ?? "",
  }));
}

async function changeBackend(svc: EndpointService): Promise<void> {
  const backends = (await backendsIn(svc.region)).filter(
    (b) => b.type === svc.serviceType && b.vpcId === svc.vpcId,
  );
  patchDialog(
    "Change backend instance",
    svc,
    [
      field(
        "Backend instance",
        select(
          "backendInstanceId",
          backends.map((b) => [b.id, `${b.name} (${b.id}, ${b.vip}:${b.port})`]),
          svc.backendInstanceId,
        ),
        `A ${svc.serviceType} instance in ${svc.vpcId} that serves no other service.`,
      ),
    ],
    (v) => ({ backendInstanceId: v.backendInstanceId ?? "" }),
  );
}

function toggleAutoAccept(svc: EndpointService): void {
  patchDialog(
    svc.autoAccept ? "Turn auto-accept off" : "Turn auto-accept on",
    svc,
    [
      h(
        "p",
        {},
        svc.autoAccept
          ? "Later connection requests will wait for manual acceptance. Existing connections keep their state."
          : "Later connection requests will be accepted automatically. Pending ones still need a decision.",
      ),
    ],
    () => ({ autoAccept: !svc.autoAccept }),
  );
}

function remove(svc: EndpointService): void {
  formDialog(
    "Delete endpoint service",
    [
      h("p", {}, `Delete ${svc.name} (${svc.id})? Endpoints connected to it: ${svc.endpointCount}.`),
      h(
        "label",
        { class: "inline" },
        h("input", { type: "checkbox", name: "rejectConnections" }),
        "Reject the live connections first, then delete",
      ),
      h(
        "p",
        { class: "hint" },
        "Without this, deletion is refused while endpoints are connected. With it, each connection is rejected; the consumers' endpoints stay, rejected and marked as pointing at a deleted service, until their owners delete them.",
      ),
    ],
    "Delete",
    async (v, close) => {
      await ok(
        client.DELETE("/v1/endpoint-services/{id}", {
          params: {
            path: { id: svc.id },
            query: { rejectConnections: v.rejectConnections === "on" ? "true" : undefined },
          },
        }),
      );
      close();
      toast(`Deleted ${svc.id}`);
      navigate("services");
    },
    true,
  );
}

function resultsList(results: Array<{ id: string; ok: boolean; text: string }>): HTMLElement {
  return h(
    "ul",
    { class: "results", "aria-label": "Results" },
    results.map((r) =>
      h("li", { class: r.ok ? "ok" : "bad", "data-key": r.id }, h("strong", {}, r.id), " ", r.text),
    ),
  );
}

async function connectionsTab(section: HTMLElement, svc: EndpointService): Promise<void> {
  const state = select("state", [
    ["", "All states"],
    ["pending", "Pending"],
    ["available", "Available"],
    ["rejected", "Rejected"],
    ["failed", "Failed"],
  ]);
  state.setAttribute("aria-label", "State");
  const reason = h("input", {
    name: "reason",
    placeholder: "Reason (optional)",
    "aria-label": "Reason",
    maxlength: 200,
  });
  const results = h("div", { class: "results-holder" });
  const decide = async (verb: "accept" | "reject") => {
    const chosen = list.selected();
    if (chosen.length === 0) {
      toast("Select one or more connections first");
      return;
    }
    await attempt(section, async () => {
      const answer = await ok(
        client.POST(
          verb === "accept"
            ? "/v1/endpoint-services/{id}/connections/accept"
            : "/v1/endpoint-services/{id}/connections/reject",
          {
            params: { path: { id: svc.id } },
            body: { endpointIds: chosen.map((c) => c.endpointId), reason: reason.value || undefined },
          },
        ),
      );
      clear(
        results,
        h("h3", {}, verb === "accept" ? "Accept results" : "Reject results"),
        resultsList(
          answer.results.map((r) => ({
            id: r.endpointId,
            ok: r.ok,
            text: r.ok ? `→ ${r.state}` : `${r.error.code}: ${r.error.message}`,
          })),
        ),
      );
      await list.reload();
    });
  };
  const list = listView<Connection>({
    id: "connections",
    selectable: true,
    filters: [state],
    columns: [
      { key: "endpointId", label: "Endpoint" },
      { key: "endpointName", label: "Name" },
      { key: "ownerUin", label: "Account" },
      { key: "ip", label: "IP" },
      { key: "state", label: "State", render: (c) => badge(c.state) },
      { key: "stateChangedAt", label: "Since", render: (c) => when(c.stateChangedAt) },
      { key: "vpcId", label: "VPC", hidden: true },
      {
        key: "history",
        label: "History",
        render: (c) =>
          h(
            "button",
            { type: "button", class: "link", on: { click: () => void history(svc, c) } },
            "History",
          ),
      },
    ],
    rowKey: (c) => c.endpointId,
    load: (page, f) =>
      ok(
        client.GET("/v1/endpoint-services/{id}/connections", {
          params: { path: { id: svc.id }, query: { ...page, state: f.state as State | undefined } },
        }),
      ),
    actions: [
      reason,
      h(
        "button",
        { type: "button", class: "primary", on: { click: () => void decide("accept") } },
        "Accept selected",
      ),
      h("button", { type: "button", on: { click: () => void decide("reject") } }, "Reject selected"),
    ],
    empty: "No endpoint has asked to connect yet.",
  });
  clear(section, list.element, results);
  await list.reload();
}

async function history(svc: EndpointService, c: Connection): Promise<void> {
  const h1 = await ok(
    client.GET("/v1/endpoint-services/{id}/connections/{endpointId}/history", {
      params: { path: { id: svc.id, endpointId: c.endpointId } },
    }),
  );
  dialog(`History of ${c.endpointId}`, () => timeline(h1.items));
}

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

async function allowlistTab(section: HTMLElement, svc: EndpointService): Promise<void> {
  const results = h("div", { class: "results-holder" });
  const also = h("input", { type: "checkbox", name: "rejectConnections" });
  const list = listView<AllowlistEntry>({
    id: "allowlist",
    selectable: true,
    columns: [
      { key: "uin", label: "Account UIN" },
      { key: "description", label: "Description" },
      {
        key: "connectionLimit",
        label: "Connection limit",
        render: (e) => (e.connectionLimit === null ? "None" : String(e.connectionLimit)),
      },
      { key: "connectionCount", label: "Connections" },
      { key: "createdAt", label: "Added", render: (e) => when(e.createdAt) },
      {
        key: "edit",
        label: "Edit",
        render: (e) => h("button", { type: "button", class: "link", on: { click: () => edit(e) } }, "Edit"),
      },
    ],
    rowKey: (e) => e.uin,
    load: (page) =>
      ok(
        client.GET("/v1/endpoint-services/{id}/allowlist", { params: { path: { id: svc.id }, query: page } }),
      ),
    actions: [
      h("label", { class: "inline" }, also, "Also reject their live connections"),
      h(
        "button",
        { type: "button", class: "danger", on: { click: () => void removeSelected() } },
        "Remove selected",
      ),
    ],
    empty: "Only this account may connect. Add another account's UIN to let it connect.",
  });
  async function removeSelected() {
    const chosen = list.selected();
    if (chosen.length === 0) return toast("Select one or more accounts first");
    await attempt(section, async () => {
      const answer = await ok(
        client.POST("/v1/endpoint-services/{id}/allowlist/remove", {
          params: { path: { id: svc.id } },
          body: { uins: chosen.map((e) => e.uin), rejectConnections: also.checked },
        }),
      );
      clear(
        results,
        h("h3", {}, "Remove results"),
        resultsList(
          answer.results.map((r) => ({
            id: r.uin,
            ok: r.ok,
            text: r.ok
              ? `removed, ${r.rejectedConnections} connection(s) rejected`
              : `${r.error.code}: ${r.error.message}`,
          })),
        ),
      );
      await list.reload();
    });
  }
  function edit(entry: AllowlistEntry) {
    formDialog(
      `Edit ${entry.uin}`,
      [
        field("Description", h("input", { name: "description", value: entry.description, maxlength: 200 })),
        field(
          "Connection limit",
          h("input", { name: "connectionLimit", type: "number", min: 1, value: entry.connectionLimit ?? "" }),
          "Empty for no limit",
        ),
      ],
      "Save",
      async (v, close) => {
        await ok(
          client.PATCH("/v1/endpoint-services/{id}/allowlist/{uin}", {
            params: { path: { id: svc.id, uin: entry.uin } },
            body: {
              description: v.description,
              connectionLimit: v.connectionLimit ? Number(v.connectionLimit) : null,
            },
          }),
        );
        close();
        await list.reload();
      },
    );
  }
  const add = actionForm(
    {
      class: "toolbar",
      "aria-label": "Add to allowlist",
    },
    [
      field(
        "Account UIN",
        h("input", { name: "uin", required: true, inputmode: "numeric", pattern: "[0-9]{1,20}" }),
      ),
      field("Description", h("input", { name: "description", maxlength: 200 })),
      field("Connection limit", h("input", { name: "connectionLimit", type: "number", min: 1 })),
      h("button", { type: "submit", class: "primary" }, "Add"),
    ],
    async (v) => {
      await ok(
        client.POST("/v1/endpoint-services/{id}/allowlist", {
          params: { path: { id: svc.id } },
          body: {
            uin: v.uin ?? "",
            description: v.description || undefined,
            connectionLimit: v.connectionLimit ? Number(v.connectionLimit) : undefined,
          },
        }),
      );
      add.reset();
      toast(`Added ${v.uin}`);
      await list.reload();
    },
  );
  clear(section, add, list.element, results);
  await list.reload();
}

async function serviceMetricsTab(section: HTMLElement, svc: EndpointService): Promise<void> {
  const connections = await all((page) =>
    ok(
      client.GET("/v1/endpoint-services/{id}/connections", { params: { path: { id: svc.id }, query: page } }),
    ),
  );
  const which = select("endpointId", [
    ["", "The whole service"],
    ...connections.map((c): [string, string] => [
      c.endpointId,
      `${c.endpointName} (${c.endpointId}, ${c.state})`,
    ]),
  ]);
  const holder = h("div");
  const draw = () =>
    clear(
      holder,
      metricsPanel(
        { service: svc.id, endpointId: which.value },
        which.value ? SERVICE_METRICS.filter((m) => m !== "ConnectedEndpoints") : SERVICE_METRICS,
      ),
    );
  which.addEventListener("change", draw);
  clear(section, field("Show", which), holder);
  draw();
}

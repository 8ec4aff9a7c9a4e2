import {
  allFields,
  client,
  download,
  type Endpoint,
  LINK,
  type ListedService,
  ok,
  type State,
} from "../api.ts";
import { actionForm, attempt, badge, clear, field, formDialog, h, select, toast, when } from "../dom.ts";
import { ENDPOINT_METRICS, metricsPanel } from "../metrics.ts";
import { navigate, region } from "../nav.ts";
import { listView } from "../table.ts";
import { all, facts, nameInput, parseTags, securityGroupsIn, tabs, tagsText, vpcsIn } from "./common.ts";
import { timeline } from "./services.ts";

export async function endpointsPage(root: HTMLElement): Promise<void> {
  document.title = "Endpoints · Linkplane";
  const state = select("state", [
    ["", "All states"],
    ["pending", "Pending"],
    ["available", "Available"],
    ["rejected", "Rejected"],
    ["failed", "Failed"],
  ]);
  state.setAttribute("aria-label", "State");
  const list = listView<Endpoint>({
    id: "endpoints",
    search: "Search by ID or name",
    filters: [state],
    columns: [
      { key: "id", label: "ID", render: (e) => h("a", { href: `#/endpoints/${e.id}` }, e.id) },
      { key: "name", label: "Name" },
      { key: "ip", label: "IP" },
      { key: "state", label: "State", render: (e) => badge(e.state) },
      {
        key: "serviceName",
        label: "Service",
        render: (e) => `${e.serviceName}${e.serviceDeleted ? " (deleted)" : ""}`,
      },
      { key: "endpointServiceId", label: "Service ID", hidden: true },
      { key: "vpcId", label: "VPC" },
      { key: "subnetId", label: "Subnet", hidden: true },
      { key: "tags", label: "Tags", hidden: true, render: (e) => tagsText(e.tags) || "—" },
      { key: "createdAt", label: "Created", render: (e) => when(e.createdAt) },
    ],
    rowKey: (e) => e.id,
    load: (page, f) =>
      allFields(
        ok(
          client.GET("/v1/endpoints", {
            params: { query: { ...page, region: region(), q: f.q, state: f.state as State | undefined } },
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
                const f = list.query();
                return download(
                  client.GET("/v1/endpoints/export", {
                    params: {
                      query: { region: region(), q: f.q, state: f.state as State | undefined, ...LINK },
                    },
                    parseAs: "blob",
                  }),
                  "endpoints.csv",
                );
              }),
          },
        },
        "Export CSV",
      ),
      h("a", { href: "#/endpoints/new", class: "button primary" }, "Create endpoint"),
    ],
  });
  clear(root, h("h1", {}, "Endpoints"), h("p", { class: "sub" }, `Region ${region()}`), list.element);
  await list.reload();
}

/** Create in steps: 1 the service (picked or pasted and verified), 2 where (VPC, subnet, IP), 3 name and security group. */
export async function newEndpoint(root: HTMLElement): Promise<void> {
  document.title = "Create endpoint · Linkplane";
  const [vpcs, subnets, groups, authorized] = await Promise.all([
    vpcsIn(region()),
    all((page) => ok(client.GET("/v1/subnets", { params: { query: { ...page, region: region() } } }))),
    securityGroupsIn(region()),
    all((page) =>
      allFields<ListedService>(
        ok(
          client.GET("/v1/endpoint-services", {
            params: { query: { ...page, region: region(), authorized: "true" } },
          }),
        ),
      ),
    ),
  ]);
  const serviceId = h("input", {
    name: "endpointServiceId",
    required: true,
    list: "authorized-services",
    spellcheck: "false",
  });
  const datalist = h(
    "datalist",
    { id: "authorized-services" },
    authorized.map((s) => h("option", { value: s.id }, `${s.name} (${s.ownerUin})`)),
  );
  const verdict = h("div", { class: "verdict", "aria-live": "polite" });
  const verify = async () => {
    await attempt(verdict, async () => {
      const v = await ok(
        client.POST("/v1/endpoint-services/{id}/verify", {
          params: { path: { id: serviceId.value.trim() } },
          body: { region: region() },
        }),
      );
      clear(
        verdict,
        v.connectable
          ? h(
              "p",
              { class: "ok" },
              `✓ Connectable: ${v.service?.name} (${v.service?.serviceType}) of account ${v.service?.ownerUin}${v.service?.autoAccept ? ", accepts automatically" : ", needs the provider's acceptance"}`,
            )
          : h("p", { class: "bad" }, `✗ Not connectable: ${v.reason?.code}: ${v.reason?.message}`),
      );
    });
  };
  const vpc = select(
    "vpcId",
    vpcs.map((v) => [v.id, `${v.name} (${v.id}, ${v.cidrBlock})`]),
  );
  const subnet = h("select", { name: "subnetId" });
  const fillSubnets = () =>
    clear(
      subnet,
      subnets
        .filter((s) => s.vpcId === vpc.value)
        .map((s) =>
          h(
            "option",
            { value: s.id },
            `${s.name} (${s.id}, ${s.cidrBlock}, ${s.zone}, ${s.availableIpCount} free)`,
          ),
        ),
    );
  vpc.addEventListener("change", fillSubnets);
  fillSubnets();
  const ipMode = select("ipMode", [
    ["auto", "Assign automatically"],
    ["custom", "Custom IP"],
  ]);
  const ip = h("input", { name: "ip", placeholder: "10.0.1.20", disabled: true });
  ipMode.addEventListener("change", () => {
    ip.disabled = ipMode.value !== "custom";
  });
  const name = nameInput();
  // One token per endpoint being created: a double submit creates it once.
  let clientToken = crypto.randomUUID();
  const form = actionForm(
    {
      class: "card steps",
    },
    [
      h(
        "fieldset",
        {},
        h("legend", {}, "1. Endpoint service"),
        field(
          "Service ID",
          serviceId,
          "Pick one you are allowed to connect to, or paste an ID another account gave you.",
        ),
        datalist,
        h("button", { type: "button", on: { click: () => void verify() } }, "Verify"),
        verdict,
      ),
      h(
        "fieldset",
        {},
        h("legend", {}, "2. Where"),
        field("VPC", vpc),
        field("Subnet", subnet),
        field("IP", ipMode),
        field("Custom IP", ip, "A free address inside the subnet"),
      ),
      h(
        "fieldset",
        {},
        h("legend", {}, "3. Name and security"),
        field("Name", name.input, name.hint),
        field(
          "Security group",
          select("securityGroupId", [
            ["", "None"],
            ...groups.map((g): [string, string] => [g.id, `${g.name} (${g.id})`]),
          ]),
        ),
        field("Tags", h("input", { name: "tags", placeholder: "env=prod" })),
      ),
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", class: "primary" }, "Create endpoint"),
        h("a", { href: "#/endpoints" }, "Cancel"),
      ),
    ],
    async (v) => {
      const created = await ok(
        client.POST("/v1/endpoints", {
          body: {
            name: v.name ?? "",
            vpcId: v.vpcId ?? "",
            subnetId: v.subnetId ?? "",
            endpointServiceId: (v.endpointServiceId ?? "").trim(),
            ip: v.ipMode === "custom" ? v.ip : undefined,
            securityGroupId: v.securityGroupId || undefined,
            tags: parseTags(v.tags ?? ""),
            clientToken,
          },
        }),
      ).catch((error: unknown) => {
        // A refused request created nothing: the corrected one is a new request.
        clientToken = crypto.randomUUID();
        throw error;
      });
      toast(`Created ${created.id} (${created.ip})`);
      navigate(`endpoints/${created.id}`);
    },
  );
  clear(root, h("h1", {}, "Create endpoint"), h("p", { class: "sub" }, `Region ${region()}`), form);
}

export async function endpointDetail(root: HTMLElement, id: string, tab = "overview"): Promise<void> {
  const ep = await ok(client.GET("/v1/endpoints/{id}", { params: { path: { id } } }));
  document.title = `${ep.name} · Linkplane`;
  const section = h("section", { class: "tab-body" });
  const header = h(
    "div",
    { class: "card" },
    facts([
      ["ID", ep.id],
      ["Name", ep.name],
      ["State", badge(ep.state)],
      ["IP", ep.ip],
      [
        "Service",
        `${ep.serviceName} (${ep.endpointServiceId})${ep.serviceDeleted ? " — deleted by its provider" : ""}`,
      ],
      ["Service owner", ep.serviceOwnerUin],
      ["VPC / subnet", `${ep.vpcId} / ${ep.subnetId}`],
      ["Tags", tagsText(ep.tags) || "—"],
      ["Created", when(ep.createdAt)],
    ]),
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", on: { click: () => rename(ep) } }, "Rename"),
      h("button", { type: "button", class: "danger", on: { click: () => remove(ep) } }, "Delete"),
    ),
  );
  clear(
    root,
    h("p", {}, h("a", { href: "#/endpoints" }, "‹ Endpoints")),
    h("h1", {}, ep.name),
    header,
    tabs(`endpoints/${ep.id}`, tab || "overview", [
      ["overview", "History & security groups"],
      ["metrics", "Monitoring"],
    ]),
    section,
  );
  if (tab === "metrics") {
    clear(section, metricsPanel({ endpoint: ep.id }, ENDPOINT_METRICS));
    return;
  }
  const hist = await ok(client.GET("/v1/endpoints/{id}/history", { params: { path: { id: ep.id } } }));
  const groups = h("div");
  clear(section, h("h2", {}, "State history"), timeline(hist.items), h("h2", {}, "Security groups"), groups);
  await securityGroups(groups, ep);
}

async function securityGroups(holder: HTMLElement, ep: Endpoint): Promise<void> {
  const [bound, available] = await Promise.all([
    ok(client.GET("/v1/endpoints/{id}/security-groups", { params: { path: { id: ep.id } } })),
    securityGroupsIn(ep.region),
  ]);
  const names = new Map(available.map((g) => [g.id, g.name]));
  let order = bound.items.sort((a, b) => a.priority - b.priority).map((b) => b.securityGroupId);
  const save = async (next: string[]) => {
    await attempt(holder, async () => {
      const answer = await ok(
        client.PUT("/v1/endpoints/{id}/security-groups", {
          params: { path: { id: ep.id } },
          body: { securityGroupIds: next },
        }),
      );
      order = answer.items.sort((a, b) => a.priority - b.priority).map((b) => b.securityGroupId);
      draw();
    });
  };
  const move = (i: number, by: number) => {
    const next = [...order];
    const [g] = next.splice(i, 1);
    if (g === undefined) return;
    next.splice(i + by, 0, g);
    void save(next);
  };
  const draw = () => {
    const unbound = available.filter((g) => !order.includes(g.id));
    const pick = select(
      "sg",
      unbound.map((g) => [g.id, `${g.name} (${g.id})`]),
    );
    pick.setAttribute("aria-label", "Security group to bind");
    clear(
      holder,
      h("p", { class: "hint" }, "Rules are evaluated in priority order: priority 1 first."),
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { class: "bindings" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, "Priority"),
              h("th", { scope: "col" }, "Security group"),
              h("th", { scope: "col" }, "Actions"),
            ),
          ),
          h(
            "tbody",
            {},
            order.length === 0
              ? h("tr", {}, h("td", { colspan: 3, class: "empty" }, "No security group bound."))
              : order.map((sg, i) =>
                  h(
                    "tr",
                    { "data-key": sg },
                    h("td", {}, String(i + 1)),
                    h("td", {}, `${names.get(sg) ?? ""} (${sg})`),
                    h(
                      "td",
                      { class: "row" },
                      h(
                        "button",
                        {
                          type: "button",
                          disabled: i === 0,
                          "aria-label": `Move ${sg} up`,
                          on: { click: () => move(i, -1) },
                        },
                        "↑",
                      ),
                      h(
                        "button",
                        {
                          type: "button",
                          disabled: i === order.length - 1,
                          "aria-label": `Move ${sg} down`,
                          on: { click: () => move(i, 1) },
                        },
                        "↓",
                      ),
                      h(
                        "button",
                        {
                          type: "button",
                          "aria-label": `Unbind ${sg}`,
                          on: {
                            click: () =>
                              void attempt(holder, async () => {
                                const answer = await ok(
                                  client.DELETE("/v1/endpoints/{id}/security-groups/{sgId}", {
                                    params: { path: { id: ep.id, sgId: sg } },
                                  }),
                                );
                                order = answer.items
                                  .sort((a, b) => a.priority - b.priority)
                                  .map((b) => b.securityGroupId);
                                draw();
                              }),
                          },
                        },
                        "Unbind",
                      ),
                    ),
                  ),
                ),
          ),
        ),
      ),
      unbound.length
        ? h(
            "div",
            { class: "row" },
            pick,
            h("button", { type: "button", on: { click: () => void save([...order, pick.value]) } }, "Bind"),
          )
        : null,
    );
  };
  draw();
}

function rename(ep: Endpoint): void {
  const name = nameInput(ep.name);
  formDialog("Rename endpoint", [field("Name", name.input, name.hint)], "Save", async (v, close) => {
    await ok(
      client.PATCH("/v1/endpoints/{id}", { params: { path: { id: ep.id } }, body: { name: v.name ?? "" } }),
    );
    close();
    toast("Renamed");
    navigate(location.hash.slice(2));
  });
}

function remove(ep: Endpoint): void {
  formDialog(
    "Delete endpoint",
    [h("p", {}, `Delete ${ep.name} (${ep.id})? Its IP ${ep.ip} is freed and its connection ends.`)],
    "Delete",
    async (_v, close) => {
      await ok(client.DELETE("/v1/endpoints/{id}", { params: { path: { id: ep.id } } }));
      close();
      toast(`Deleted ${ep.id}`);
      navigate("endpoints");
    },
    true,
  );
}

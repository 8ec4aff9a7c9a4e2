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
import { actionForm, attempt, badge, clear, field, h, select, toast, when } from "../dom.ts";
import { navigate, region } from "../nav.ts";
import { listView } from "../table.ts";
import { all, nameInput, parseTags, securityGroupsIn, stateFilter, tagsText, vpcsIn } from "./common.ts";

/* The endpoints list and the steps that create one; an endpoint's own page is endpoint-detail.ts. */

export async function endpointsPage(root: HTMLElement): Promise<void> {
  document.title = "Endpoints · Linkplane";
  const state = stateFilter();
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

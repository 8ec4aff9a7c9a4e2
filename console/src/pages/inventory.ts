import { api, type BackendInstance, type Page, type SecurityGroup, type Subnet, type Vpc } from "../api.ts";
import { actionForm, attempt, clear, field, h, select, toast, when } from "../dom.ts";
import { region } from "../nav.ts";
import { type Column, listView } from "../table.ts";
import { all, nameInput, tabs } from "./common.ts";

interface Kind<T> {
  path: string;
  title: string;
  columns: Column<T>[];
  /** The create form's controls, and the body they make. */
  form: () => Promise<HTMLElement[]>;
  body: (v: Record<string, string>) => unknown;
}

const vpcOptions = async () =>
  select(
    "vpcId",
    (await all<Vpc>("/v1/vpcs", { region: region() })).map((v) => [
      v.id,
      `${v.name} (${v.id}, ${v.cidrBlock})`,
    ]),
  );

const KINDS: Record<string, Kind<never>> = {
  vpcs: {
    path: "/v1/vpcs",
    title: "VPCs",
    columns: [
      { key: "id", label: "ID" },
      { key: "name", label: "Name" },
      { key: "cidrBlock", label: "CIDR" },
      { key: "subnetCount", label: "Subnets" },
      { key: "createdAt", label: "Created", render: (v: Vpc) => when(v.createdAt) },
    ] as Column<Vpc>[],
    form: async () => {
      const name = nameInput();
      return [
        field("Name", name.input, name.hint),
        field("IPv4 CIDR", h("input", { name: "cidrBlock", required: true, placeholder: "10.0.0.0/16" })),
      ];
    },
    body: (v) => ({ region: region(), name: v.name, cidrBlock: v.cidrBlock }),
  },
  subnets: {
    path: "/v1/subnets",
    title: "Subnets",
    columns: [
      { key: "id", label: "ID" },
      { key: "name", label: "Name" },
      { key: "vpcId", label: "VPC" },
      { key: "zone", label: "Zone" },
      { key: "cidrBlock", label: "CIDR" },
      {
        key: "availableIpCount",
        label: "Free IPs",
        render: (s: Subnet) => `${s.availableIpCount} / ${s.totalIpCount}`,
      },
    ] as Column<Subnet>[],
    form: async () => {
      const name = nameInput();
      return [
        field("VPC", await vpcOptions()),
        field("Zone", h("input", { name: "zone", required: true, value: `${region()}-3` })),
        field("Name", name.input, name.hint),
        field(
          "IPv4 CIDR",
          h("input", { name: "cidrBlock", required: true, placeholder: "10.0.1.0/24" }),
          "Inside the VPC's CIDR",
        ),
      ];
    },
    body: (v) => ({ vpcId: v.vpcId, zone: v.zone, name: v.name, cidrBlock: v.cidrBlock }),
  },
  "backend-instances": {
    path: "/v1/backend-instances",
    title: "Backend instances",
    columns: [
      { key: "id", label: "ID" },
      { key: "name", label: "Name" },
      { key: "type", label: "Type" },
      { key: "vpcId", label: "VPC" },
      { key: "vip", label: "VIP", render: (b: BackendInstance) => `${b.vip}:${b.port}` },
    ] as Column<BackendInstance>[],
    form: async () => {
      const name = nameInput();
      return [
        field(
          "Type",
          select("type", [
            ["CLB", "CLB"],
            ["CDB", "CDB (MySQL)"],
            ["CRS", "CRS (Redis)"],
          ]),
        ),
        field("VPC", await vpcOptions()),
        field("Name", name.input, name.hint),
        field("VIP", h("input", { name: "vip", required: true, placeholder: "10.0.0.10" })),
        field(
          "Port",
          h("input", { name: "port", type: "number", required: true, min: 1, max: 65535, value: 80 }),
        ),
      ];
    },
    body: (v) => ({ type: v.type, vpcId: v.vpcId, name: v.name, vip: v.vip, port: Number(v.port) }),
  },
  "security-groups": {
    path: "/v1/security-groups",
    title: "Security groups",
    columns: [
      { key: "id", label: "ID" },
      { key: "name", label: "Name" },
      { key: "description", label: "Description" },
      { key: "createdAt", label: "Created", render: (g: SecurityGroup) => when(g.createdAt) },
    ] as Column<SecurityGroup>[],
    form: async () => {
      const name = nameInput();
      return [
        field("Name", name.input, name.hint),
        field("Description", h("input", { name: "description", maxlength: 100 })),
      ];
    },
    body: (v) => ({ region: region(), name: v.name, description: v.description || undefined }),
  },
};

export async function inventoryPage(root: HTMLElement, which = "vpcs"): Promise<void> {
  const tab = which && which in KINDS ? which : "vpcs";
  const kind = KINDS[tab] as Kind<{ id: string }>;
  document.title = `${kind.title} · Linkplane`;
  const list = listView<{ id: string }>({
    id: `inventory-${tab}`,
    columns: [
      ...kind.columns,
      {
        key: "delete",
        label: "Delete",
        render: (row) =>
          h(
            "button",
            {
              type: "button",
              class: "link danger",
              "aria-label": `Delete ${row.id}`,
              // A refusal names what still uses it ("in use by 1 subnet(s)"); it is shown above the list.
              on: {
                click: () =>
                  void attempt(list.element, async () => {
                    await api("DELETE", `${kind.path}/${row.id}`);
                    toast(`Deleted ${row.id}`);
                    await list.reload();
                  }),
              },
            },
            "Delete",
          ),
      },
    ],
    rowKey: (r) => r.id,
    load: (q) => api<Page<{ id: string }>>("GET", kind.path, undefined, { ...q, region: region() }),
  });
  const form = actionForm(
    {
      class: "card toolbar wrap",
      "aria-label": `Create ${kind.title}`,
    },
    [...(await kind.form()), h("button", { type: "submit", class: "primary" }, "Create")],
    async (v) => {
      const created = await api<{ id: string }>("POST", kind.path, kind.body(v));
      toast(`Created ${created.id}`);
      form.reset();
      await list.reload();
    },
  );
  clear(
    root,
    h("h1", {}, "Inventory"),
    h("p", { class: "sub" }, `Region ${region()}`),
    tabs("inventory", tab, [
      ["vpcs", "VPCs"],
      ["subnets", "Subnets"],
      ["backend-instances", "Backend instances"],
      ["security-groups", "Security groups"],
    ]),
    h("h2", {}, kind.title),
    form,
    list.element,
  );
  await list.reload();
}

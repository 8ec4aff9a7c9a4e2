import {
  type BackendInstance,
  client,
  ok,
  type Page,
  type SecurityGroup,
  type ServiceType,
  type Subnet,
  type Vpc,
} from "../api.ts";
import { actionForm, attempt, clear, field, h, select, toast, when } from "../dom.ts";
import { region } from "../nav.ts";
import { type Column, listView, type PageQuery } from "../table.ts";
import { nameInput, tabs, vpcsIn } from "./common.ts";

/** One kind of inventory: its columns, its create form, and its three API calls. */
interface Kind<T> {
  title: string;
  columns: Column<T>[];
  /** The create form's controls. */
  form: () => Promise<HTMLElement[]>;
  list: (page: PageQuery) => Promise<Page<T>>;
  /** Creates one from the form's values. */
  create: (v: Record<string, string>) => Promise<{ id: string }>;
  remove: (id: string) => Promise<unknown>;
}

const vpcOptions = async () =>
  select(
    "vpcId",
    (await vpcsIn(region())).map((v) => [v.id, `${v.name} (${v.id}, ${v.cidrBlock})`]),
  );

/**
 * The page treats every kind alike, by ID. Each kind is checked as its own type first (`inventoryKind<Vpc>(…)`:
 * its columns, the API's answers and the bodies it sends), then seen as rows that have an ID.
 */
function inventoryKind<T extends { id: string }>(k: Kind<T>): Kind<{ id: string }> {
  return k as unknown as Kind<{ id: string }>;
}

const KINDS: Record<string, Kind<{ id: string }>> = {
  vpcs: inventoryKind<Vpc>({
    title: "VPCs",
    columns: [
      { key: "id", label: "ID" },
      { key: "name", label: "Name" },
      { key: "cidrBlock", label: "CIDR" },
      { key: "subnetCount", label: "Subnets" },
      { key: "createdAt", label: "Created", render: (v: Vpc) => when(v.createdAt) },
    ],
    form: async () => {
      const name = nameInput();
      return [
        field("Name", name.input, name.hint),
        field("IPv4 CIDR", h("input", { name: "cidrBlock", required: true, placeholder: "10.0.0.0/16" })),
      ];
    },
    list: (page) => ok(client.GET("/v1/vpcs", { params: { query: { ...page, region: region() } } })),
    create: (v) =>
      ok(
        client.POST("/v1/vpcs", {
          body: { region: region(), name: v.name ?? "", cidrBlock: v.cidrBlock ?? "" },
        }),
      ),
    remove: (id) => ok(client.DELETE("/v1/vpcs/{id}", { params: { path: { id } } })),
  }),
  subnets: inventoryKind<Subnet>({
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
    ],
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
    list: (page) => ok(client.GET("/v1/subnets", { params: { query: { ...page, region: region() } } })),
    create: (v) =>
      ok(
        client.POST("/v1/subnets", {
          body: {
            vpcId: v.vpcId ?? "",
            zone: v.zone ?? "",
            name: v.name ?? "",
            cidrBlock: v.cidrBlock ?? "",
          },
        }),
      ),
    remove: (id) => ok(client.DELETE("/v1/subnets/{id}", { params: { path: { id } } })),
  }),
  "backend-instances": inventoryKind<BackendInstance>({
    title: "Backend instances",
    columns: [
      { key: "id", label: "ID" },
      { key: "name", label: "Name" },
      { key: "type", label: "Type" },
      { key: "vpcId", label: "VPC" },
      { key: "vip", label: "VIP", render: (b: BackendInstance) => `${b.vip}:${b.port}` },
    ],
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
    list: (page) =>
      ok(client.GET("/v1/backend-instances", { params: { query: { ...page, region: region() } } })),
    create: (v) =>
      ok(
        client.POST("/v1/backend-instances", {
          body: {
            type: v.type as ServiceType,
            vpcId: v.vpcId ?? "",
            name: v.name ?? "",
            vip: v.vip ?? "",
            port: Number(v.port),
          },
        }),
      ),
    remove: (id) => ok(client.DELETE("/v1/backend-instances/{id}", { params: { path: { id } } })),
  }),
  "security-groups": inventoryKind<SecurityGroup>({
    title: "Security groups",
    columns: [
      { key: "id", label: "ID" },
      { key: "name", label: "Name" },
      { key: "description", label: "Description" },
      { key: "createdAt", label: "Created", render: (g: SecurityGroup) => when(g.createdAt) },
    ],
    form: async () => {
      const name = nameInput();
      return [
        field("Name", name.input, name.hint),
        field("Description", h("input", { name: "description", maxlength: 100 })),
      ];
    },
    list: (page) =>
      ok(client.GET("/v1/security-groups", { params: { query: { ...page, region: region() } } })),
    create: (v) =>
      ok(
        client.POST("/v1/security-groups", {
          body: { region: region(), name: v.name ?? "", description: v.description || undefined },
        }),
      ),
    remove: (id) => ok(client.DELETE("/v1/security-groups/{id}", { params: { path: { id } } })),
  }),
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
                    await kind.remove(row.id);
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
    load: (page) => kind.list(page),
  });
  const form = actionForm(
    {
      class: "card toolbar wrap",
      "aria-label": `Create ${kind.title}`,
    },
    [...(await kind.form()), h("button", { type: "submit", class: "primary" }, "Create")],
    async (v) => {
      const created = await kind.create(v);
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

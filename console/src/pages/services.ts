import { allFields, client, download, LINK, type ListedService, ok, type ServiceType } from "../api.ts";
import { actionForm, attempt, clear, field, h, select, toast, when, yesNo } from "../dom.ts";
import { navigate, region } from "../nav.ts";
import { listView } from "../table.ts";
import { backendsIn, nameInput, parseTags, tagsText, vpcsIn } from "./common.ts";

/* The services list and the form that creates one; a service's own page is service-detail.ts. */

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

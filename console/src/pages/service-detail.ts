import { client, type EndpointService, ok } from "../api.ts";
import type { operations } from "../api-schema.ts";
import { clear, field, formDialog, h, select, toast, when, yesNo } from "../dom.ts";
import { metricsPanel, SERVICE_METRICS } from "../metrics.ts";
import { navigate } from "../nav.ts";
import { all, backendsIn, facts, nameInput, tabs, tagsText } from "./common.ts";
import { allowlistTab } from "./service-allowlist.ts";
import { connectionsTab } from "./service-connections.ts";

/* A service's page: its facts, the dialogs that change or delete it, and its tabs. */

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

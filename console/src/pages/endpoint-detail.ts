import { client, type Endpoint, ok } from "../api.ts";
import { badge, clear, field, formDialog, h, toast, when } from "../dom.ts";
import { ENDPOINT_METRICS, metricsPanel } from "../metrics.ts";
import { navigate } from "../nav.ts";
import { facts, nameInput, tabs, tagsText, timeline } from "./common.ts";
import { securityGroups } from "./endpoint-security-groups.ts";

/* An endpoint's page: its facts, the dialogs that rename or delete it, and its tabs. */

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

import { type Connection, client, type EndpointService, ok, type State } from "../api.ts";
import { attempt, badge, clear, dialog, h, toast, when } from "../dom.ts";
import { listView } from "../table.ts";
import { resultsList, stateFilter, timeline } from "./common.ts";

export async function connectionsTab(section: HTMLElement, svc: EndpointService): Promise<void> {
  const state = stateFilter();
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

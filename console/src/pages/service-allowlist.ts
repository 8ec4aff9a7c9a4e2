import { type AllowlistEntry, client, type EndpointService, ok } from "../api.ts";
import { actionForm, attempt, clear, field, formDialog, h, toast, when } from "../dom.ts";
import { listView } from "../table.ts";
import { resultsList } from "./common.ts";

export async function allowlistTab(section: HTMLElement, svc: EndpointService): Promise<void> {
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

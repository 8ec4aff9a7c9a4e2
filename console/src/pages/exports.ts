import { client, download, LINK, type MetricExport, ok } from "../api.ts";
import type { operations } from "../api-schema.ts";
import { actionForm, attempt, badge, clear, dialog, field, h, select, toast, when } from "../dom.ts";
import { SAMPLE_METRICS } from "../metrics.ts";
import { listView } from "../table.ts";

type NewExport = operations["createMetricExport"]["requestBody"]["content"]["application/json"];
const STORED: NonNullable<NewExport["metrics"]> = [...SAMPLE_METRICS, "ConnectedEndpoints"];

export async function exportsPage(root: HTMLElement): Promise<void> {
  document.title = "Metric exports · Linkplane";
  const list = listView<MetricExport>({
    id: "metric-exports",
    columns: [
      { key: "id", label: "ID" },
      { key: "name", label: "Name" },
      { key: "schedule", label: "Schedule" },
      { key: "granularity", label: "Granularity" },
      { key: "format", label: "Format" },
      {
        key: "resources",
        label: "Resources",
        render: (x) => (x.resources === "all" ? "All" : x.resources.join(", ")),
      },
      { key: "status", label: "Status", render: (x) => badge(x.status) },
      {
        key: "actions",
        label: "Actions",
        render: (x) =>
          h(
            "span",
            { class: "row" },
            h(
              "button",
              {
                type: "button",
                class: "link",
                on: {
                  click: () =>
                    void attempt(list.element, async () => {
                      await ok(
                        client.PATCH("/v1/metric-exports/{id}", {
                          params: { path: { id: x.id } },
                          body: { status: x.status === "active" ? "paused" : "active" },
                        }),
                      );
                      await list.reload();
                    }),
                },
              },
              x.status === "active" ? "Pause" : "Resume",
            ),
            h("button", { type: "button", class: "link", on: { click: () => void runs(x) } }, "Runs"),
            h(
              "button",
              {
                type: "button",
                class: "link danger",
                on: {
                  click: () =>
                    void attempt(list.element, async () => {
                      await ok(client.DELETE("/v1/metric-exports/{id}", { params: { path: { id: x.id } } }));
                      await list.reload();
                    }),
                },
              },
              "Delete",
            ),
          ),
      },
    ],
    rowKey: (x) => x.id,
    load: (page) => ok(client.GET("/v1/metric-exports", { params: { query: page } })),
    empty: "No scheduled export.",
  });
  async function runs(x: MetricExport): Promise<void> {
    const page = await ok(
      client.GET("/v1/metric-exports/{id}/runs", { params: { path: { id: x.id }, query: { limit: 50 } } }),
    );
    dialog(`Runs of ${x.name}`, () => {
      const box = h(
        "div",
        {},
        h(
          "table",
          {},
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Period", "Status", "Rows", "Bytes", "Finished", "File"].map((c) =>
                h("th", { scope: "col" }, c),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            page.items.length === 0
              ? h(
                  "tr",
                  {},
                  h(
                    "td",
                    { colspan: 6, class: "empty" },
                    "No run yet: the first runs after its first period ends.",
                  ),
                )
              : page.items.map((r) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, `${when(r.periodFrom)} – ${when(r.periodTo)}`),
                    h("td", {}, badge(r.status), r.error ? ` ${r.error}` : ""),
                    h("td", {}, String(r.rows ?? "—")),
                    h("td", {}, String(r.bytes ?? "—")),
                    h("td", {}, when(r.finishedAt)),
                    h(
                      "td",
                      {},
                      r.status === "succeeded"
                        ? h(
                            "button",
                            {
                              type: "button",
                              class: "link",
                              on: {
                                click: () =>
                                  void attempt(box, () =>
                                    download(
                                      client.GET("/v1/metric-exports/{id}/runs/{runId}/file", {
                                        params: { path: { id: x.id, runId: r.runId }, query: LINK },
                                        parseAs: "blob",
                                      }),
                                      `${x.name}.${x.format}`,
                                    ),
                                  ),
                              },
                            },
                            "Download",
                          )
                        : "—",
                    ),
                  ),
                ),
          ),
        ),
      );
      return box;
    });
  }
  const form = actionForm(
    {
      class: "card",
      "aria-label": "Create metric export",
    },
    [
      h("h2", {}, "New scheduled export"),
      h(
        "div",
        { class: "row wrap" },
        field("Name", h("input", { name: "name", required: true, maxlength: 80 })),
        field("Resources", h("input", { name: "resources", placeholder: "empty: all; or vpce-…, vpcsvc-…" })),
        field(
          "Schedule",
          select("schedule", [
            ["daily", "Daily"],
            ["hourly", "Hourly"],
          ]),
        ),
        field(
          "Granularity",
          select("granularity", [
            ["1h", "1 hour"],
            ["1d", "1 day"],
          ]),
        ),
        field(
          "Format",
          select("format", [
            ["csv", "CSV"],
            ["ndjson", "NDJSON"],
          ]),
        ),
      ),
      h(
        "fieldset",
        { class: "metric-picker" },
        h("legend", {}, "Metrics (none checked: all)"),
        STORED.map((m) => h("label", {}, h("input", { type: "checkbox", name: `metric-${m}` }), m)),
      ),
      h("button", { type: "submit", class: "primary" }, "Schedule export"),
    ],
    async (v) => {
      const metrics = STORED.filter(
        (m) => (form.elements.namedItem(`metric-${m}`) as HTMLInputElement).checked,
      );
      await ok(
        client.POST("/v1/metric-exports", {
          body: {
            name: v.name ?? "",
            resources: v.resources?.trim()
              ? v.resources
                  .split(",")
                  .map((s) => s.trim())
                  .filter(Boolean)
              : "all",
            metrics: metrics.length ? metrics : undefined,
            granularity: v.granularity as NewExport["granularity"],
            format: v.format as NewExport["format"],
            schedule: v.schedule as NewExport["schedule"],
          },
        }),
      );
      toast("Export scheduled");
      form.reset();
      await list.reload();
    },
  );
  clear(root, h("h1", {}, "Scheduled metric exports"), list.element, form);
  await list.reload();
}

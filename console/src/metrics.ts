import { client, download, LINK, ok } from "./api.ts";
import type { operations } from "./api-schema.ts";
import { formatValue, lineChart } from "./chart.ts";
import { attempt, clear, field, h, select } from "./dom.ts";

/** What the data plane samples; stored and exported as such. */
export const SAMPLE_METRICS = [
  "ActiveConnections",
  "NewConnections",
  "BytesIn",
  "BytesOut",
  "PacketsIn",
  "PacketsOut",
  "PacketsDropped",
  "RstPackets",
] as const;
/** Rates the API derives from the counters (bit/s, packets/s). */
const DERIVED_METRICS = ["BandwidthIn", "BandwidthOut", "PacketRateIn", "PacketRateOut"];
export const ENDPOINT_METRICS = [
  ...SAMPLE_METRICS.slice(0, 2),
  ...DERIVED_METRICS,
  ...SAMPLE_METRICS.slice(2),
];
export const SERVICE_METRICS = ["ConnectedEndpoints", ...ENDPOINT_METRICS];

const PERIOD_SECONDS: Record<string, number> = { realtime: 3600, "24h": 86400, "7d": 7 * 86400 };

function localInput(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function epoch(local: string): string {
  return String(Math.floor(new Date(local).getTime() / 1000));
}

/** Whose metrics: an endpoint's, or a service's (the whole service, or one connected endpoint). */
export type MetricSource = { endpoint: string } | { service: string; endpointId?: string };

/** What the panel's controls ask for; the same parameters for a service and an endpoint. */
type MetricQuery = NonNullable<operations["getEndpointMetrics"]["parameters"]["query"]>;

function metricCalls(source: MetricSource) {
  if ("endpoint" in source) {
    const path = { id: source.endpoint };
    return {
      view: (query: MetricQuery) => client.GET("/v1/endpoints/{id}/metrics", { params: { path, query } }),
      compare: (query: MetricQuery & { compareFrom: string }) =>
        client.GET("/v1/endpoints/{id}/metrics/compare", { params: { path, query } }),
      file: (query: MetricQuery & { format: "csv" | "json" }) =>
        client.GET("/v1/endpoints/{id}/metrics/export", {
          params: { path, query: { ...query, ...LINK } },
          parseAs: "blob",
        }),
    };
  }
  const path = { id: source.service };
  const endpointId = source.endpointId || undefined;
  return {
    view: (query: MetricQuery) =>
      client.GET("/v1/endpoint-services/{id}/metrics", { params: { path, query: { ...query, endpointId } } }),
    compare: (query: MetricQuery & { compareFrom: string }) =>
      client.GET("/v1/endpoint-services/{id}/metrics/compare", {
        params: { path, query: { ...query, endpointId } },
      }),
    file: (query: MetricQuery & { format: "csv" | "json" }) =>
      client.GET("/v1/endpoint-services/{id}/metrics/export", {
        params: { path, query: { ...query, endpointId, ...LINK } },
        parseAs: "blob",
      }),
  };
}

/**
 * The monitoring view of one service or endpoint: period (real time, 24 h, 7 d, custom), granularity,
 * statistic, metric picker, a chart per metric, an optional second period overlaid with its change, and
 * export of what is shown.
 */
export function metricsPanel(source: MetricSource, metrics: string[]): HTMLElement {
  const calls = metricCalls(source);
  const now = Math.floor(Date.now() / 1000);
  const period = select(
    "period",
    [
      ["realtime", "Real time (1 h)"],
      ["24h", "Last 24 hours"],
      ["7d", "Last 7 days"],
      ["custom", "Custom"],
    ],
    "24h",
  );
  const granularity = select("granularity", [
    ["", "Default"],
    ["1m", "1 minute"],
    ["1h", "1 hour"],
    ["1d", "1 day"],
  ]);
  const stat = select("stat", [
    ["", "Default"],
    ["avg", "Average"],
    ["sum", "Sum"],
    ["max", "Maximum"],
    ["min", "Minimum"],
  ]);
  const from = h("input", { type: "datetime-local", name: "from", value: localInput(now - 86400) });
  const to = h("input", { type: "datetime-local", name: "to", value: localInput(now) });
  const custom = h("div", { class: "row", hidden: true }, field("From", from), field("To", to));
  const compare = h("input", { type: "checkbox", name: "compare" });
  const compareFrom = h("input", { type: "datetime-local", name: "compareFrom" });
  const chosen = new Set(metrics.slice(0, 4));
  const picker = h(
    "fieldset",
    { class: "metric-picker" },
    h("legend", {}, "Metrics"),
    metrics.map((m) =>
      h(
        "label",
        {},
        h("input", {
          type: "checkbox",
          value: m,
          checked: chosen.has(m),
          on: {
            change: (e: Event) => {
              if ((e.target as HTMLInputElement).checked) chosen.add(m);
              else chosen.delete(m);
            },
          },
        }),
        m,
      ),
    ),
  );
  const charts = h("div", { class: "charts", "aria-live": "polite" });
  const panel = h("section", { class: "metrics", "aria-label": "Metrics" });

  function defaultCompareFrom(): void {
    const seconds = PERIOD_SECONDS[period.value] ?? 86400;
    const start = period.value === "custom" ? Number(epoch(from.value)) : now - seconds;
    compareFrom.value = localInput(start - seconds);
  }
  defaultCompareFrom();
  period.addEventListener("change", () => {
    custom.hidden = period.value !== "custom";
    defaultCompareFrom();
  });

  // The selects offer exactly the values the API takes ("" is "the API's default").
  function query(): MetricQuery {
    const q: MetricQuery = {
      metrics: [...chosen].join(","),
      period: period.value as MetricQuery["period"],
      granularity: (granularity.value || undefined) as MetricQuery["granularity"],
      stat: (stat.value || undefined) as MetricQuery["stat"],
    };
    if (period.value === "custom") {
      q.from = epoch(from.value);
      q.to = epoch(to.value);
    }
    return q;
  }

  async function show(): Promise<void> {
    await attempt(panel, async () => {
      if (compare.checked) {
        const view = await ok(calls.compare({ ...query(), compareFrom: epoch(compareFrom.value) }));
        clear(
          charts,
          view.series.map((s) => {
            const t = s.totals;
            const change =
              t.pct === null ? "no change to show" : `${t.pct >= 0 ? "+" : ""}${t.pct.toFixed(1)}%`;
            return h(
              "figure",
              { class: "chart-card", "data-metric": s.metric },
              h(
                "figcaption",
                {},
                h("strong", {}, s.metric),
                ` (${s.stat}, ${s.unit}) `,
                h(
                  "span",
                  { class: "totals" },
                  `This period ${t.value === null ? "—" : formatValue(t.value, s.unit)} · compared ${
                    t.compareValue === null ? "—" : formatValue(t.compareValue, s.unit)
                  } · change ${change}`,
                ),
              ),
              lineChart(s.metric, s.unit, [
                { label: "This period", points: s.points },
                {
                  label: `From ${new Date(view.compareFrom * 1000).toLocaleString()}`,
                  points: s.points.map((p) => ({ t: p.t, value: p.compareValue })),
                  dashed: true,
                },
              ]),
            );
          }),
        );
        return;
      }
      const view = await ok(calls.view(query()));
      clear(
        charts,
        view.series.length === 0 ? h("p", {}, "Pick at least one metric.") : null,
        view.series.map((s) => {
          const vs = s.points.map((p) => p.value).filter((v): v is number => v !== null);
          return h(
            "figure",
            { class: "chart-card", "data-metric": s.metric },
            h(
              "figcaption",
              {},
              h("strong", {}, s.metric),
              ` (${s.stat}, ${s.unit}, ${view.granularity}) `,
              h(
                "span",
                { class: "totals" },
                vs.length
                  ? `latest ${formatValue(vs[vs.length - 1] as number, s.unit)}`
                  : "no data in this period",
              ),
            ),
            lineChart(s.metric, s.unit, [{ label: s.metric, points: s.points }]),
          );
        }),
      );
    });
  }

  const form = h(
    "form",
    {
      class: "toolbar wrap",
      on: {
        submit: (e: Event) => {
          e.preventDefault();
          void show();
        },
      },
    },
    field("Period", period),
    field("Granularity", granularity),
    field("Statistic", stat),
    custom,
    h("label", { class: "inline" }, compare, "Compare with another period"),
    field("Compared period starts", compareFrom),
    h("button", { type: "submit", class: "primary" }, "Show"),
    h(
      "button",
      {
        type: "button",
        on: {
          click: () =>
            void attempt(panel, () => download(calls.file({ ...query(), format: "csv" }), "metrics.csv")),
        },
      },
      "Export CSV",
    ),
    h(
      "button",
      {
        type: "button",
        on: {
          click: () =>
            void attempt(panel, () => download(calls.file({ ...query(), format: "json" }), "metrics.json")),
        },
      },
      "Export JSON",
    ),
  );
  panel.append(form, picker, charts);
  void show();
  return panel;
}

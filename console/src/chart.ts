/**
 * Line charts with uPlot: canvas drawing stays fast at the API's 1,500 points per series, and uPlot is
 * about 20 KB gzipped with no dependency. Missing points (null) are not joined (`spanGaps: false`), so a
 * gap in the data is a gap on the chart, not a drop to zero; the legend says "no data" there.
 */
import uPlot from "uplot";

export interface Line {
  label: string;
  points: Array<{ t: number; value: number | null }>;
  dashed?: boolean;
}

const PREFIXES = ["", "K", "M", "G", "T", "P"];

/** 1234567 bit/s → "1.23 Mbit/s"; counts keep their unit word. */
export function formatValue(value: number, unit: string): string {
  const scaled = unit === "bit/s" || unit === "Bytes" || unit === "packets/s";
  let v = Math.abs(value);
  let i = 0;
  const base = unit === "Bytes" ? 1024 : 1000;
  while (scaled && v >= base && i < PREFIXES.length - 1) {
    v /= base;
    i++;
  }
  const sign = value < 0 ? "-" : "";
  const digits = v >= 100 || Number.isInteger(v) ? 0 : v >= 10 ? 1 : 2;
  const prefix = PREFIXES[i] ?? "";
  const shownUnit =
    unit === "Bytes" ? `${prefix ? `${prefix}iB` : "B"}` : `${prefix}${unit === "Count" ? "" : unit}`;
  return `${sign}${v.toFixed(digits)}${shownUnit ? ` ${shownUnit}` : ""}`.trim();
}

const COLORS = ["#0052d9", "#e37318"];
const HEIGHT = 220;

/** What a screen reader is told in place of the canvas: points, gaps and the highest value of each line. */
function summary(title: string, unit: string, lines: Line[]): string {
  const parts = lines.map((l) => {
    const vs = l.points.map((p) => p.value).filter((v): v is number => v !== null);
    const gaps = l.points.filter((p, i) => p.value === null && l.points[i - 1]?.value !== null).length;
    return `${l.label}: ${vs.length} points${vs.length ? `, max ${formatValue(Math.max(...vs), unit)}` : ""}${
      gaps ? `, ${gaps} gap(s) without data` : ""
    }`;
  });
  return `${title} (${unit}). ${parts.join("; ")}`;
}

/**
 * One chart: `lines[0]` fixes the time axis (epoch seconds); a compared line is drawn over it point for
 * point. The width follows the card's, so it fits a narrow window.
 */
export function lineChart(title: string, unit: string, lines: Line[]): HTMLElement {
  const holder = document.createElement("div");
  holder.className = "chart";
  holder.setAttribute("role", "img");
  holder.setAttribute("aria-label", summary(title, unit, lines));
  const times = (lines[0]?.points ?? []).map((p) => p.t);
  const data: uPlot.AlignedData = [times, ...lines.map((l) => l.points.map((p) => p.value))];
  const plot = new uPlot(
    {
      width: 600,
      height: HEIGHT,
      series: [
        { label: "Time" },
        ...lines.map(
          (l, i): uPlot.Series => ({
            label: l.label,
            stroke: COLORS[i % COLORS.length],
            width: 1.8,
            dash: l.dashed ? [5, 4] : undefined,
            spanGaps: false,
            points: { size: 5 },
            value: (_u, v, _s, idx) => (idx == null ? "—" : v == null ? "no data" : formatValue(v, unit)),
          }),
        ),
      ],
      scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: "#5b6475", grid: { stroke: "#e5e8ee" } },
        {
          label: unit,
          stroke: "#5b6475",
          grid: { stroke: "#e5e8ee" },
          size: 72,
          values: (_u, splits) => splits.map((v) => formatValue(v, unit)),
        },
      ],
      legend: { live: true },
    },
    data,
    holder,
  );
  // Sized to the card once it is on the page, and again whenever the card changes width.
  new ResizeObserver(() => {
    const width = holder.clientWidth;
    if (width > 0 && width !== plot.width) plot.setSize({ width, height: HEIGHT });
  }).observe(holder);
  return holder;
}

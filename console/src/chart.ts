/**
 * Line charts drawn as SVG by hand: a few hundred points per series need no charting library. Missing
 * points (null) break the line, so a gap in the data is a gap on the chart, not a drop to zero.
 */
const NS = "http://www.w3.org/2000/svg";

export interface Line {
  label: string;
  points: Array<{ t: number; value: number | null }>;
  dashed?: boolean;
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
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

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= max) return m * exp;
  return 10 * exp;
}

function timeLabel(t: number, spanSeconds: number): string {
  const d = new Date(t * 1000);
  if (spanSeconds > 2 * 86400) return d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** One chart: `lines[0]` fixes the time axis; a compared line is drawn over it point for point. */
export function lineChart(title: string, unit: string, lines: Line[]): SVGSVGElement {
  const width = 640;
  const height = 220;
  const pad = { l: 72, r: 12, t: 12, b: 28 };
  const base = lines[0]?.points ?? [];
  const n = Math.max(1, base.length - 1);
  const values = lines.flatMap((l) => l.points.map((p) => p.value)).filter((v): v is number => v !== null);
  const top = niceMax(values.length ? Math.max(...values) : 0);
  const x = (i: number) => pad.l + (i / n) * (width - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - v / top) * (height - pad.t - pad.b);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart" });
  const desc = svg("title", {});
  const summary = lines
    .map((l) => {
      const vs = l.points.map((p) => p.value).filter((v): v is number => v !== null);
      return `${l.label}: ${vs.length} points${vs.length ? `, max ${formatValue(Math.max(...vs), unit)}` : ""}`;
    })
    .join("; ");
  desc.textContent = `${title} (${unit}). ${summary}`;
  root.append(desc);
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    root.append(
      svg("line", { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), class: "grid" }),
      Object.assign(svg("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }), {
        textContent: formatValue(v, unit),
      }),
    );
  }
  const span = base.length > 1 ? (base[base.length - 1]?.t ?? 0) - (base[0]?.t ?? 0) : 0;
  const ticks = Math.min(6, base.length);
  for (let k = 0; k < ticks; k++) {
    const i = Math.round((k / Math.max(1, ticks - 1)) * (base.length - 1));
    const p = base[i];
    if (!p) continue;
    root.append(
      // The end labels are anchored inwards so that they are not clipped at the chart's edges.
      Object.assign(
        svg("text", {
          x: x(i),
          y: height - 8,
          "text-anchor": k === 0 ? "start" : k === ticks - 1 ? "end" : "middle",
          class: "axis",
        }),
        {
          textContent: timeLabel(p.t, span),
        },
      ),
    );
  }
  lines.forEach((line, li) => {
    // One path with a move at every resumption after a null: the gaps stay empty.
    let d = "";
    let pen = false;
    line.points.forEach((p, i) => {
      if (p.value === null) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`;
      pen = true;
    });
    const single = line.points
      .map((p, i) => ({ p, i }))
      .filter(
        ({ p, i }) =>
          p.value !== null && line.points[i - 1]?.value == null && line.points[i + 1]?.value == null,
      );
    root.append(svg("path", { d, class: `series s${li}${line.dashed ? " dashed" : ""}` }));
    for (const { p, i } of single)
      root.append(svg("circle", { cx: x(i), cy: y(p.value as number), r: 2.5, class: `dot s${li}` }));
  });
  return root;
}

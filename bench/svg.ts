// Hand-written SVG charts for RESULTS.md: grouped bars and lines, linear or
// log scale. No plotting dependency; output is plain, diffable SVG text.

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const FONT = `font-family="Helvetica, Arial, sans-serif"`;

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function label(value: number): string {
  if (!Number.isFinite(value)) return "";
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1000) return String(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(0)}k`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return "0";
  return value.toPrecision(2);
}

interface Scale {
  map(v: number): number;
  ticks: number[];
}

function scale(min: number, max: number, log: boolean, pxLo: number, pxHi: number): Scale {
  if (log) {
    const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
    const hi = Math.ceil(Math.log10(Math.max(max, min * 10, 1e-9)));
    const ticks: number[] = [];
    for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
    return {
      ticks,
      map: (v) => pxLo + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / Math.max(hi - lo, 1)) * (pxHi - pxLo),
    };
  }
  const span = max - Math.min(0, min) || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const top = Math.ceil(max / nice) * nice;
  const bottom = Math.min(0, Math.floor(min / nice) * nice);
  const ticks: number[] = [];
  for (let v = bottom; v <= top + nice / 2; v += nice) ticks.push(Number(v.toPrecision(12)));
  return { ticks, map: (v) => pxLo + ((v - bottom) / (top - bottom || 1)) * (pxHi - pxLo) };
}

export interface BarSeries {
  name: string;
  values: Array<number | null>;
}

export interface BarChart {
  title: string;
  yLabel: string;
  categories: string[];
  series: BarSeries[];
  log?: boolean;
  width?: number;
  height?: number;
}

/** The start of every chart: the canvas, its title, and the y scale's grid lines with their labels. */
function openChart(width: number, height: number, title: string, y: Scale, left: number, plotW: number): string[] {
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  for (const tick of y.ticks) {
    const py = y.map(tick);
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${py.toFixed(1)}" y2="${py.toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${(py + 4).toFixed(1)}" text-anchor="end" fill="#444">${label(tick)}</text>`);
  }
  return out;
}

/** The y axis title, written upwards along the left edge, centred on `midY`. */
function yAxisTitle(text: string, log: boolean, midY: number): string {
  return `<text x="16" y="${midY}" transform="rotate(-90 16 ${midY})" text-anchor="middle" fill="#222">${esc(text)}${log ? " (log)" : ""}</text>`;
}

/** Grouped bars: one group per category, one bar per series, values printed on the bars. */
export function barChart(chart: BarChart): string {
  const width = chart.width ?? 900;
  const height = chart.height ?? 420;
  const m = { top: 40, right: 20, bottom: 60 + 18 * Math.ceil(chart.series.length / 3), left: 70 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const values = chart.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v) && (!chart.log || v > 0));
  const min = values.length ? Math.min(...values) : 1;
  const max = values.length ? Math.max(...values) : 1;
  const y = scale(chart.log ? min : 0, max, chart.log ?? false, m.top + plotH, m.top);
  const out = openChart(width, height, chart.title, y, m.left, plotW);
  out.push(yAxisTitle(chart.yLabel, chart.log ?? false, m.top + plotH / 2));
  const groupW = plotW / Math.max(chart.categories.length, 1);
  const barW = Math.min(48, (groupW * 0.8) / Math.max(chart.series.length, 1));
  chart.categories.forEach((category, ci) => {
    const gx = m.left + ci * groupW + (groupW - barW * chart.series.length) / 2;
    chart.series.forEach((series, si) => {
      const v = series.values[ci];
      const x = gx + si * barW;
      if (v === null || v === undefined || !Number.isFinite(v) || (chart.log && v <= 0)) {
        out.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${m.top + plotH - 4}" text-anchor="middle" fill="#999" font-size="10">n/a</text>`);
        return;
      }
      const py = y.map(v);
      const base = m.top + plotH;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${py.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.max(0, base - py).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(series.name)} / ${esc(category)}: ${label(v)}</title></rect>`,
      );
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(py - 3).toFixed(1)}" text-anchor="middle" font-size="10" fill="#222">${label(v)}</text>`);
    });
    out.push(`<text x="${(m.left + ci * groupW + groupW / 2).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle" fill="#222">${esc(category)}</text>`);
  });
  out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#444"/>`);
  out.push(legend(chart.series.map((s) => s.name), m.left, m.top + plotH + 34, plotW, "rect"));
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

export interface LineSeries {
  name: string;
  points: Array<[number, number]>;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** Horizontal reference lines, e.g. a target. */
  refs?: Array<{ y: number; label: string }>;
}

export function lineChart(chart: LineChart): string {
  const width = chart.width ?? 900;
  const height = chart.height ?? 420;
  const m = { top: 40, right: 30, bottom: 70 + 18 * Math.ceil(chart.series.length / 3), left: 70 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const pts = chart.series.flatMap((s) => s.points).filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py));
  const xs = pts.map((p) => p[0]).filter((v) => !chart.logX || v > 0);
  const ys = [...pts.map((p) => p[1]), ...(chart.refs ?? []).map((r) => r.y)].filter((v) => !chart.logY || v > 0);
  const x = scale(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1, chart.logX ?? false, m.left, m.left + plotW);
  const y = scale(chart.logY ? (ys.length ? Math.min(...ys) : 1) : Math.min(0, ...ys), ys.length ? Math.max(...ys) : 1, chart.logY ?? false, m.top + plotH, m.top);
  const out = openChart(width, height, chart.title, y, m.left, plotW);
  for (const tick of x.ticks) {
    const px = x.map(tick);
    out.push(`<line x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${m.top}" y2="${m.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${px.toFixed(1)}" y="${m.top + plotH + 16}" text-anchor="middle" fill="#444">${label(tick)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 36}" text-anchor="middle" fill="#222">${esc(chart.xLabel)}${chart.logX ? " (log)" : ""}</text>`);
  out.push(yAxisTitle(chart.yLabel, chart.logY ?? false, m.top + plotH / 2));
  for (const ref of chart.refs ?? []) {
    const py = y.map(ref.y);
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${py.toFixed(1)}" y2="${py.toFixed(1)}" stroke="#c00" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${m.left + 6}" y="${(py - 4).toFixed(1)}" fill="#c00" font-size="11">${esc(ref.label)}</text>`);
  }
  chart.series.forEach((series, si) => {
    const color = PALETTE[si % PALETTE.length];
    const points = series.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py) && (!chart.logX || px > 0) && (!chart.logY || py > 0));
    if (points.length === 0) return;
    const d = points.map(([px, py], i) => `${i ? "L" : "M"}${x.map(px).toFixed(1)},${y.map(py).toFixed(1)}`).join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"><title>${esc(series.name)}</title></path>`);
    if (points.length <= 30) {
      for (const [px, py] of points) out.push(`<circle cx="${x.map(px).toFixed(1)}" cy="${y.map(py).toFixed(1)}" r="3" fill="${color}"><title>${esc(series.name)}: ${label(px)}, ${label(py)}</title></circle>`);
    }
  });
  out.push(legend(chart.series.map((s) => s.name), m.left, m.top + plotH + 54, plotW, "line"));
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

function legend(names: string[], x0: number, y0: number, width: number, mark: "rect" | "line"): string {
  const perRow = 3;
  const colW = width / perRow;
  return names
    .map((name, i) => {
      const x = x0 + (i % perRow) * colW;
      const y = y0 + Math.floor(i / perRow) * 18;
      const color = PALETTE[i % PALETTE.length];
      const sym =
        mark === "rect"
          ? `<rect x="${x.toFixed(1)}" y="${y - 9}" width="12" height="12" fill="${color}"/>`
          : `<line x1="${x.toFixed(1)}" x2="${(x + 14).toFixed(1)}" y1="${y - 3}" y2="${y - 3}" stroke="${color}" stroke-width="3"/>`;
      return `${sym}<text x="${(x + 18).toFixed(1)}" y="${y + 1}" fill="#222">${esc(name)}</text>`;
    })
    .join("\n");
}

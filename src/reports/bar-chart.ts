/**
 * Bar chart geometry for the reports' server-rendered SVG (templates/partials/bar_chart.hbs draws
 * it, so every label goes through Handlebars' escaping). Pure: categories, series and values in,
 * coordinates out. Each bar keeps its category key, series key and exact value, which the
 * template writes as data attributes and as the bar's <title> (read by screen readers and shown
 * on hover), so a figure can be checked against the table and the exports.
 */

export interface ChartInput {
  categories: Array<{ key: string; label: string }>;
  series: Array<{ key: string; label: string }>;
  value: (category: string, series: string) => number | null;
  /** Horizontal bars (a row per category) or vertical columns (a time line). */
  orientation: 'horizontal' | 'vertical';
  /** How a value is written next to its bar and in its title. */
  format: (v: number) => string;
  /** Whole numbers only (counts): the axis steps are whole too. */
  integer: boolean;
  /** Drawing width in px (the SVG scales down with its container). */
  width: number;
}

export interface ChartBar {
  category: string;
  series: string;
  seriesIndex: number;
  value: number;
  text: string;
  title: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Where the value is written (horizontal: after the bar; vertical: none, the title has it). */
  textX: number;
  textY: number;
  showText: boolean;
}

export interface ChartModel {
  width: number;
  height: number;
  horizontal: boolean;
  bars: ChartBar[];
  labels: Array<{ text: string; x: number; y: number; anchor: 'start' | 'middle' | 'end' }>;
  grid: Array<{ x1: number; y1: number; x2: number; y2: number; text: string; tx: number; ty: number; anchor: string }>;
  legend: Array<{ label: string; seriesIndex: number; x: number; y: number }>;
  plot: { x: number; y: number; width: number; height: number };
  /** The axis the bars grow from. */
  axis: { x1: number; y1: number; x2: number; y2: number };
  empty: boolean;
}

/**
 * The value axis: a round step (1, 2, 2.5 or 5 times a power of ten; whole numbers for counts) for
 * about four intervals, and the top as a whole number of steps at or above the largest value.
 */
export function axisScale(max: number, integer: boolean): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: integer ? 1 : 0.25 };
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const found = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw && (!integer || Number.isInteger(s)));
  const step = integer ? Math.max(1, Math.ceil(found ?? raw)) : (found ?? 10 * p);
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

/** Rough text width in px at 12px: CJK characters are a full em, others a little over half. */
export function textWidth(s: string, size = 12): number {
  let w = 0;
  for (const ch of s) w += /[\u2026\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(ch) ? size : size * 0.58;
  return w;
}

const round = (n: number) => Math.round(n * 10) / 10;

function ellipsis(s: string, maxPx: number): string {
  if (textWidth(s) <= maxPx) return s;
  let out = '';
  for (const ch of s) {
    if (textWidth(`${out}${ch}…`) > maxPx) break;
    out += ch;
  }
  return `${out}…`;
}

export function barChart(input: ChartInput): ChartModel {
  const { categories, series, orientation, format } = input;
  const width = input.width;
  const values = categories.flatMap((c) => series.map((s) => input.value(c.key, s.key) ?? 0));
  const { top, step } = axisScale(Math.max(0, ...values), input.integer);
  const ticks = Math.round(top / step);
  const empty = values.every((v) => v === 0);
  const legendH = series.length > 1 ? 26 : 0;
  const bars: ChartBar[] = [];
  const labels: ChartModel['labels'] = [];
  const grid: ChartModel['grid'] = [];
  const legend = series.length > 1 ? series.map((s, i) => ({ label: s.label, seriesIndex: i, x: 0, y: 8 })) : [];
  let x = 0;
  for (const l of legend) {
    l.x = x;
    x += 24 + textWidth(l.label) + 18;
  }

  if (orientation === 'horizontal') {
    const labelW = Math.min(220, Math.max(60, ...categories.map((c) => textWidth(c.label) + 14)));
    const barH = series.length > 1 ? 14 : 20;
    const gap = series.length > 1 ? 12 : 10;
    const rowH = barH * series.length + gap;
    const plot = { x: labelW, y: legendH + 6, width: width - labelW - 64, height: rowH * categories.length };
    categories.forEach((c, ci) => {
      const rowY = plot.y + ci * rowH + gap / 2;
      labels.push({
        text: ellipsis(c.label, labelW - 14),
        x: labelW - 10,
        y: round(rowY + (barH * series.length) / 2 + 4),
        anchor: 'end',
      });
      series.forEach((s, si) => {
        const v = input.value(c.key, s.key) ?? 0;
        const w = round((v / top) * plot.width);
        const y = round(rowY + si * barH);
        bars.push({
          category: c.key,
          series: s.key,
          seriesIndex: si,
          value: v,
          text: format(v),
          title: `${c.label}${series.length > 1 ? ` · ${s.label}` : ''}: ${format(v)}`,
          x: plot.x,
          y,
          width: w,
          height: barH - 2,
          textX: round(plot.x + w + 6),
          textY: round(y + barH / 2 + 2),
          showText: true,
        });
      });
    });
    for (let i = 0; i <= ticks; i++) {
      const gx = round(plot.x + (plot.width * i) / ticks);
      grid.push({
        x1: gx,
        y1: plot.y,
        x2: gx,
        y2: plot.y + plot.height,
        text: format(Math.round(step * i * 100) / 100),
        tx: gx,
        ty: plot.y + plot.height + 16,
        anchor: 'middle',
      });
    }
    const axis = { x1: plot.x, y1: plot.y, x2: plot.x, y2: plot.y + plot.height };
    return {
      width,
      height: plot.y + plot.height + 24,
      horizontal: true,
      bars,
      labels,
      grid,
      legend,
      plot,
      axis,
      empty,
    };
  }

  const plot = { x: 44, y: legendH + 10, width: width - 56, height: 180 };
  const colW = plot.width / Math.max(1, categories.length);
  const barW = Math.max(2, Math.min(56, (colW * 0.72) / series.length));
  const every = Math.max(1, Math.ceil(categories.length / 10));
  categories.forEach((c, ci) => {
    const colX = plot.x + ci * colW + (colW - barW * series.length) / 2;
    if (ci % every === 0)
      labels.push({
        text: c.label,
        x: round(plot.x + ci * colW + colW / 2),
        y: plot.y + plot.height + 16,
        anchor: 'middle',
      });
    series.forEach((s, si) => {
      const v = input.value(c.key, s.key) ?? 0;
      const h = round((v / top) * plot.height);
      bars.push({
        category: c.key,
        series: s.key,
        seriesIndex: si,
        value: v,
        text: format(v),
        title: `${c.label}${series.length > 1 ? ` · ${s.label}` : ''}: ${format(v)}`,
        x: round(colX + si * barW),
        y: round(plot.y + plot.height - h),
        width: round(barW - 1),
        height: h,
        textX: round(colX + si * barW + barW / 2),
        textY: round(plot.y + plot.height - h - 4),
        // Values over columns only while they fit.
        showText: categories.length * series.length <= 16 && v > 0,
      });
    });
  });
  for (let i = 0; i <= ticks; i++) {
    const gy = round(plot.y + plot.height - (plot.height * i) / ticks);
    grid.push({
      x1: plot.x,
      y1: gy,
      x2: plot.x + plot.width,
      y2: gy,
      text: format(Math.round(step * i * 100) / 100),
      tx: plot.x - 6,
      ty: gy + 4,
      anchor: 'end',
    });
  }
  const axis = { x1: plot.x, y1: plot.y + plot.height, x2: plot.x + plot.width, y2: plot.y + plot.height };
  return { width, height: plot.y + plot.height + 26, horizontal: false, bars, labels, grid, legend, plot, axis, empty };
}

/** A small line chart as an inline SVG string, so reports open without network or scripts. */

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly width?: number;
  readonly height?: number;
}

const FONT_SIZE = 10;
/** A generous width of one label character (digits are about 0.55 em in common sans fonts). */
const CHAR_WIDTH = 0.6 * FONT_SIZE;
/** About this many intervals between ticks on an axis. */
const INTERVALS = 4;
/** A series whose spread is under this fraction of its value is drawn on a constant series' axis... */
const NEAR_CONSTANT = 0.01;
/** ...which spans this fraction of the value either side of it. */
const CONSTANT_HALF_SPAN = 0.05;
/** Tick labels show at most this many significant digits. */
const MAX_DIGITS = 4;

const escapeXml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] as string);

/** Slack for float rounding when counting steps (2e-4 / 5e-5 is 4.000000000000001). */
const ROUNDING = 1e-9;

/** A 1, 2 or 5 × 10^k step that cuts `span` into about `count` intervals. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const mantissa = raw / power;
  return (mantissa < 1.5 ? 1 : mantissa < 3.5 ? 2 : mantissa < 7.5 ? 5 : 10) * power;
}

interface Axis {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  readonly step: number;
}

/**
 * The y axis: round ticks over the data widened to them; for a constant or near-constant series, an
 * axis centred on its value (ticks at the value and a round step either side), not one of float noise.
 */
function valueAxis(lo: number, hi: number): Axis {
  const centre = (lo + hi) / 2;
  const magnitude = Math.abs(centre);
  if (hi - lo <= magnitude * NEAR_CONSTANT) {
    const step = magnitude > 0 ? niceStep(magnitude * CONSTANT_HALF_SPAN, 1) : 1;
    return { min: centre - step, max: centre + step, ticks: [centre - step, centre, centre + step], step };
  }
  const step = niceStep(hi - lo, INTERVALS);
  const first = Math.floor(lo / step + ROUNDING);
  const last = Math.ceil(hi / step - ROUNDING);
  const ticks = Array.from({ length: last - first + 1 }, (_, i) => (first + i) * step);
  return { min: first * step, max: last * step, ticks, step };
}

/** The x axis: exactly the data's range, with the round ticks inside it (one tick for one point). */
function positionAxis(lo: number, hi: number): Axis {
  if (lo === hi) return { min: lo, max: hi, ticks: [lo], step: Math.abs(lo) || 1 };
  const step = niceStep(hi - lo, INTERVALS);
  const first = Math.ceil(lo / step - ROUNDING);
  const last = Math.floor(hi / step + ROUNDING);
  const ticks = Array.from({ length: last - first + 1 }, (_, i) => (first + i) * step);
  return { min: lo, max: hi, ticks, step };
}

const SUFFIXES = [
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
] as const;

/**
 * Short tick labels that fit beside an axis: 2500, 12k, 1.2M, 0.25, 2e-4 — plain numbers, suffixes when
 * the axis reaches 10 000, exponents when all its values are below 0.01 or enormous — with the fewest
 * digits (at most MAX_DIGITS significant) that give a tick's value, so float noise never shows.
 */
function tickLabels(axis: Axis): string[] {
  const largest = Math.max(...axis.ticks.map(Math.abs));
  const exponential = largest < 0.01 || largest >= 1e12;
  const suffixed = !exponential && largest >= 1e4;
  const tolerance = axis.step * 1e-6;
  return axis.ticks.map((value) => {
    if (Math.abs(value) <= tolerance) return "0";
    const [scale, suffix] = (suffixed && SUFFIXES.find(([s]) => Math.abs(value) >= s)) || [1, ""];
    const scaled = value / scale;
    const render = exponential
      ? (digits: number) => scaled.toExponential(digits).replace("e+", "e")
      : (digits: number) => String(Number(scaled.toFixed(digits)));
    const leading = exponential ? 0 : Math.floor(Math.log10(Math.abs(scaled)));
    const maxDigits = Math.max(0, MAX_DIGITS - 1 - leading);
    let digits = 0;
    while (digits < maxDigits && Math.abs(Number(render(digits)) * scale - value) > tolerance) digits++;
    return `${render(digits).replace(/\.?0+e/, "e")}${suffix}`;
  });
}

/** At most `limit` points, keeping the first and last and evenly spaced ones between. */
function thin(points: readonly (readonly [number, number])[], limit: number) {
  if (points.length <= limit) return points;
  const step = (points.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => points[Math.round(i * step)] as readonly [number, number]);
}

/** One series of (x, y) points; non-finite y values are left out. */
export function lineChart(points: readonly (readonly [number, number])[], options: ChartOptions): string {
  const width = options.width ?? 360;
  const height = options.height ?? 200;
  const shown = thin(
    points.filter(([, y]) => Number.isFinite(y)),
    600,
  );
  const title = `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(options.title)}</text>`;
  if (shown.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${title}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12">no data yet</text></svg>`;
  }
  const xs = shown.map(([x]) => x);
  const ys = shown.map(([, y]) => y);
  const xAxis = positionAxis(Math.min(...xs), Math.max(...xs));
  const yAxis = valueAxis(Math.min(...ys), Math.max(...ys));
  const yLabels = tickLabels(yAxis);
  const labelWidth = (label: string) => label.length * CHAR_WIDTH;
  // The left margin fits the longest y label, so none is cut.
  const margin = {
    left: Math.ceil(Math.max(...yLabels.map(labelWidth))) + 8,
    right: 12,
    top: 24,
    bottom: 32,
  };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const span = (axis: Axis, v: number) =>
    axis.max === axis.min ? 0.5 : (v - axis.min) / (axis.max - axis.min);
  const px = (x: number) => margin.left + span(xAxis, x) * plotW;
  const py = (y: number) => margin.top + (1 - span(yAxis, y)) * plotH;
  const path = shown.map(([x, y], i) => `${i === 0 ? "M" : "L"}${px(x).toFixed(1)},${py(y).toFixed(1)}`);
  const yTicks = yAxis.ticks
    .map((y, i) => {
      const at = py(y).toFixed(1);
      return (
        `<text x="${margin.left - 4}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end" font-size="${FONT_SIZE}">${yLabels[i]}</text>` +
        `<line x1="${margin.left}" x2="${width - margin.right}" y1="${at}" y2="${at}" stroke="#ddd"/>`
      );
    })
    .join("");
  const xTicks = tickLabels(xAxis)
    .map((label, i) => {
      const x = px(xAxis.ticks[i] as number);
      const half = labelWidth(label) / 2;
      // Centred under its tick unless that would push it past the picture's edge.
      const anchor = x + half > width ? "end" : x - half < 0 ? "start" : "middle";
      const at = anchor === "end" ? width : anchor === "start" ? 0 : x;
      return `<text x="${at.toFixed(1)}" y="${height - margin.bottom + 14}" text-anchor="${anchor}" font-size="${FONT_SIZE}">${label}</text>`;
    })
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img">`,
    title,
    yTicks,
    xTicks,
    `<text x="${margin.left + plotW / 2}" y="${height - 4}" text-anchor="middle" font-size="11">${escapeXml(options.xLabel)}</text>`,
    `<path d="${path.join("")}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`,
    "</svg>",
  ].join("");
}

/** A small line chart as an inline SVG string, so reports open without network or scripts. */

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly width?: number;
  readonly height?: number;
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] as string);

function tick(value: number): string {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  return magnitude >= 1000 || magnitude < 0.01
    ? value.toExponential(1)
    : String(Number(value.toPrecision(3)));
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
  const margin = { left: 52, right: 12, top: 24, bottom: 32 };
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
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1e-3 - Math.abs(y0) * 0.05, y1 + 1e-3 + Math.abs(y1) * 0.05];
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const px = (x: number) => margin.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const py = (y: number) => margin.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const path = shown.map(([x, y], i) => `${i === 0 ? "M" : "L"}${px(x).toFixed(1)},${py(y).toFixed(1)}`);
  const yTicks = [y0, (y0 + y1) / 2, y1]
    .map(
      (y) =>
        `<text x="${margin.left - 4}" y="${py(y) + 4}" text-anchor="end" font-size="10">${tick(y)}</text>` +
        `<line x1="${margin.left}" x2="${width - margin.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`,
    )
    .join("");
  const xTicks = [x0, x1]
    .map(
      (x) =>
        `<text x="${px(x)}" y="${height - margin.bottom + 14}" text-anchor="middle" font-size="10">${tick(x)}</text>`,
    )
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

/**
 * Self-contained HTML pages (training report, test results): inline styles, images as data: URIs,
 * charts as inline SVG — nothing is fetched when the page is opened. Node-only (PNG encoding by sharp).
 */
import sharp from "sharp";

export interface PixelImage {
  /** HWC, values in [-1, 1]. */
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export const escapeHtml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/** A PNG of the image as a data: URI. */
export async function pngDataUri(image: PixelImage): Promise<string> {
  const bytes = new Uint8Array(image.data.length);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Math.min(255, Math.max(0, Math.round((((image.data[i] as number) + 1) / 2) * 255)));
  }
  const { width, height, channels } = image;
  const png = await sharp(bytes, { raw: { width, height, channels: channels as 1 | 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString("base64")}`;
}

export interface TripletRow {
  readonly name: string;
  readonly input: PixelImage;
  readonly output: PixelImage;
  readonly target: PixelImage;
  /** Shown under the name (metrics, for instance). */
  readonly caption?: string;
}

/** A table of input | output | target rows. */
export async function tripletTable(rows: readonly TripletRow[]): Promise<string> {
  const cells = await Promise.all(
    rows.map(async (row) => {
      const [input, output, target] = await Promise.all([row.input, row.output, row.target].map(pngDataUri));
      const caption = row.caption ? `<br><small>${escapeHtml(row.caption)}</small>` : "";
      return `<tr><td>${escapeHtml(row.name)}${caption}</td><td><img src="${input}" alt="input"></td><td><img src="${output}" alt="output"></td><td><img src="${target}" alt="target"></td></tr>`;
    }),
  );
  return `<table class="grid"><tr><th></th><th>input</th><th>output</th><th>target</th></tr>${cells.join("")}</table>`;
}

/** A key/value table (options, timings, metrics). */
export function definitionTable(entries: readonly (readonly [string, unknown])[]): string {
  const rows = entries.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`);
  return `<table class="kv">${rows.join("")}</table>`;
}

export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}
.charts{display:flex;flex-wrap:wrap;gap:8px}
table.grid img{image-rendering:pixelated;width:192px;height:auto;border:1px solid #ccc}
table.grid td,table.grid th{padding:2px 6px;text-align:center;vertical-align:middle}
table.kv th{text-align:left;padding-right:1em;font-weight:600}table.kv td{font-family:monospace}
</style></head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

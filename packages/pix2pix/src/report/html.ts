/**
 * HTML pages (training report, test results): inline styles, charts as inline SVG, images as PNG
 * data: URIs or as files beside the page — nothing is fetched from the network when a page is opened.
 * Node-only (PNG encoding by sharp).
 */
import { encodeImage, type ImagePixels } from "../io/images.ts";

export const escapeHtml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/** A PNG of the image as a data: URI. */
export async function pngDataUri(image: ImagePixels): Promise<string> {
  return `data:image/png;base64,${(await encodeImage(image, "png")).toString("base64")}`;
}

/** A picture on a page: pixels, inlined as a PNG data: URI, or an image file's path relative to the page. */
export type ImageSource = ImagePixels | string;

async function imageUrl(source: ImageSource): Promise<string> {
  if (typeof source !== "string") return pngDataUri(source);
  return source.split("/").map(encodeURIComponent).join("/"); // a name may hold spaces, '#' or '?'
}

export interface TripletRow {
  readonly name: string;
  readonly input: ImageSource;
  readonly output: ImageSource;
  readonly target: ImageSource;
  /** Shown under the name (metrics, for instance). */
  readonly caption?: string;
}

/** A table of input | output | target rows. */
export async function tripletTable(rows: readonly TripletRow[]): Promise<string> {
  const cells = await Promise.all(
    rows.map(async (row) => {
      const images = await Promise.all(
        (["input", "output", "target"] as const).map(
          async (kind) => `<td><img src="${escapeHtml(await imageUrl(row[kind]))}" alt="${kind}"></td>`,
        ),
      );
      const caption = row.caption ? `<br><small>${escapeHtml(row.caption)}</small>` : "";
      return `<tr><td>${escapeHtml(row.name)}${caption}</td>${images.join("")}</tr>`;
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

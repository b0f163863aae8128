/**
 * The sample images of a run's training report: `pix2pix train` draws input | output | target for
 * fixed held-out pairs into report.html (report/html.ts's tripletTable, PNG data URIs) every
 * --display-freq steps and every epoch. Read back from that one file, a sample is addressed by its
 * row and kind, never by a path, so no request can name a file outside the run's folder.
 */
import { createHash } from "node:crypto";

export const SAMPLE_KINDS = ["input", "output", "target"] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

export interface Sample {
  /** The row in the report's grid, from 0. */
  readonly row: number;
  /** The pair's name (its file name, or the synthetic pair's). */
  readonly name: string;
  readonly kind: SampleKind;
  readonly png: Buffer;
  /** A digest of the PNG: a new one means a new image. */
  readonly digest: string;
}

const ROW = /<tr><td>([^<]*)(?:<br><small>[^<]*<\/small>)?<\/td>((?:<td><img [^>]*><\/td>)+)<\/tr>/g;
const IMAGE = /<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" alt="(\w+)">/g;
const ENTITIES: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', "#39": "'" };

const unescapeHtml = (text: string) =>
  text.replace(/&(lt|gt|amp|quot|#39);/g, (_, e: string) => ENTITIES[e] ?? e);

const isKind = (kind: string): kind is SampleKind => (SAMPLE_KINDS as readonly string[]).includes(kind);

/** The samples in a training report's HTML, row by row; none when it has no grid. */
export function reportSamples(html: string): Sample[] {
  const samples: Sample[] = [];
  let row = 0;
  for (const [, name = "", cells = ""] of html.matchAll(ROW)) {
    for (const [, base64 = "", kind = ""] of cells.matchAll(IMAGE)) {
      if (!isKind(kind)) continue;
      const png = Buffer.from(base64, "base64");
      const digest = createHash("sha256").update(png).digest("hex").slice(0, 16);
      samples.push({ row, name: unescapeHtml(name), kind, png, digest });
    }
    row++;
  }
  return samples;
}

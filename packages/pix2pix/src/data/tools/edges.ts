/**
 * Photos → edges | photo pairs for sketch-to-image training (edges2shoes style): the A side is the
 * photo's Canny edges drawn black on white, the B side the photo.
 */
import path from "node:path";
import { UserError } from "../../errors.ts";
import { type CannyOptions, canny } from "../canny.ts";
import { decodeRgb } from "../decode.ts";
import { luma } from "../pixels.ts";
import { listImages } from "../sources.ts";
import { type ConversionReport, convertAll, sideBySide, writeRgbFile } from "./combine.ts";

/** Black edges on white, as RGB bytes. */
export function edgeDrawing(edges: Uint8Array): Uint8Array {
  const rgb = new Uint8Array(edges.length * 3).fill(255);
  edges.forEach((edge, p) => {
    if (edge) rgb.fill(0, 3 * p, 3 * p + 3);
  });
  return rgb;
}

/** input/[sub/]x.* → out/[sub/]x.png, each an aligned edges | photo pair. */
export async function makeEdgePairs(
  input: string,
  out: string,
  options: CannyOptions,
): Promise<ConversionReport> {
  const files = listImages(input);
  if (files.length === 0) throw new UserError(`no images in ${input}`);
  return convertAll(files, async (file) => {
    const photo = await decodeRgb(file);
    const { width, height } = photo;
    const gray = new Float32Array(width * height);
    for (let p = 0; p < gray.length; p++) {
      gray[p] = luma(
        photo.data[3 * p] as number,
        photo.data[3 * p + 1] as number,
        photo.data[3 * p + 2] as number,
      );
    }
    const drawing = edgeDrawing(canny(gray, width, height, options));
    const relative = path.relative(input, file);
    const target = path.join(
      out,
      `${relative.slice(0, relative.length - path.extname(relative).length)}.png`,
    );
    await writeRgbFile(target, sideBySide(drawing, photo.data, width, height), width * 2, height);
  });
}

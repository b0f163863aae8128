/**
 * Training pairs from what the user gives: aligned files (A | B side by side, split at half the width,
 * as `pix2pix train --dataset-mode aligned`), two lists of files paired by name (as `--dataset-mode
 * folders`), or drawings. Pixels are kept as decoded (no colour conversion, as Pillow reads them).
 */
import { type ImagePair, type RgbImage, UserError } from "pix2pix-ts";
import { decodeImage, rgbOf } from "./images.ts";

function region(image: ImageData, left: number, width: number): RgbImage {
  const rgb = rgbOf(image.data);
  const out = new Uint8Array(width * image.height * 3);
  for (let y = 0; y < image.height; y++) {
    const start = (y * image.width + left) * 3;
    out.set(rgb.subarray(start, start + width * 3), y * width * 3);
  }
  return { data: out, width, height: image.height };
}

export function wholeImage(image: ImageData): RgbImage {
  return region(image, 0, image.width);
}

async function alignedPair(file: File): Promise<ImagePair> {
  const image = await decodeImage(file, file.name);
  if (image.width % 2 !== 0) {
    throw new UserError(
      `${file.name} has an odd width (${image.width}x${image.height})`,
      "an aligned image holds A and B side by side and is split at half its width",
    );
  }
  const half = image.width / 2;
  return { name: file.name, a: region(image, 0, half), b: region(image, half, half) };
}

const byName = (files: readonly File[]) => [...files].sort((x, y) => x.name.localeCompare(y.name));

/** Pairs from aligned files, or (with `targets`) from inputs and targets matched by file name. */
export async function pairsFromFiles(
  inputs: readonly File[],
  targets: readonly File[],
): Promise<ImagePair[]> {
  if (targets.length === 0) return Promise.all(byName(inputs).map(alignedPair));
  const named = new Map(targets.map((f) => [f.name, f]));
  const missing = inputs.filter((f) => !named.has(f.name)).map((f) => f.name);
  if (missing.length > 0) {
    throw new UserError(
      `no B image named ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ` and ${missing.length - 3} more` : ""}`,
      "the two lists are paired by file name: give each A file a B file of the same name",
    );
  }
  return Promise.all(
    byName(inputs).map(async (file) => {
      const [a, b] = await Promise.all([
        decodeImage(file, file.name),
        decodeImage(named.get(file.name) as File, file.name),
      ]);
      return { name: file.name, a: wholeImage(a), b: wholeImage(b) };
    }),
  );
}

/**
 * Real aligned pair files for tests (Node): synthetic facades written as A|B PNGs (A the photo, B the
 * label map, side by side), and the same files decoded into the in-memory pairs `trainOnPairs` takes.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { renderSyntheticPair } from "../data/synthetic.ts";
import type { ImagePair } from "./pair-dataset.ts";

/** Writes `count` aligned pairs of size × size per side to `dir`/000.png, 001.png, ...; returns their paths. */
export async function writeAlignedPairs(dir: string, count: number, size: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const { photo, labels } = renderSyntheticPair(100 + i, size);
    const rgb = new Uint8Array(size * 2 * size * 3);
    for (let y = 0; y < size; y++) {
      rgb.set(photo.subarray(y * size * 3, (y + 1) * size * 3), y * size * 6);
      rgb.set(labels.subarray(y * size * 3, (y + 1) * size * 3), y * size * 6 + size * 3);
    }
    const file = path.join(dir, `${String(i).padStart(3, "0")}.png`);
    await sharp(rgb, { raw: { width: 2 * size, height: size, channels: 3 } })
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}

/** Aligned pair files decoded (sharp, as the trainer's loader) and split at half the width. */
export async function readAlignedPairs(files: readonly string[]): Promise<ImagePair[]> {
  return Promise.all(
    files.map(async (file) => {
      const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const half = info.width / 2;
      const side = (left: number) => {
        const out = new Uint8Array(half * info.height * 3);
        for (let y = 0; y < info.height; y++) {
          out.set(
            data.subarray((y * info.width + left) * 3, (y * info.width + left + half) * 3),
            y * half * 3,
          );
        }
        return { data: out, width: half, height: info.height };
      };
      return { name: path.basename(file), a: side(0), b: side(half) };
    }),
  );
}

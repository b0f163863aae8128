/** Writes small real image files for tests: every pixel from a function of its position. */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";

export type Rgb = readonly [number, number, number];

/** A fresh empty folder under the system temp folder. */
export function tempDir(prefix = "pix2pix-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Packed RGB bytes of a width × height image, pixel (x, y) = colour(x, y). */
export function rgbBytes(width: number, height: number, colour: (x: number, y: number) => Rgb): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 3);
  }
  return data;
}

/** Writes an image file; the format follows the extension (.png, .jpg, .webp). */
export async function writeRgb(
  file: string,
  width: number,
  height: number,
  colour: (x: number, y: number) => Rgb,
): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true });
  const image = sharp(rgbBytes(width, height, colour), { raw: { width, height, channels: 3 } });
  const ext = path.extname(file).toLowerCase();
  if (ext === ".jpg" || ext === ".jpeg") await image.jpeg({ quality: 95 }).toFile(file);
  else if (ext === ".webp") await image.webp({ lossless: true }).toFile(file);
  else await image.png().toFile(file);
  return file;
}

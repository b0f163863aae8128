/**
 * Images in and out of the studio at any size, resized as the reference resizes: the library's
 * byte-exact Pillow bicubic (what training's data pipeline uses), on the file's own bytes (no colour
 * management, as Pillow ignores colour profiles too).
 */
import { resizeBicubic } from "pix2pix-ts";

/** RGBA → packed RGB. */
export function rgbOf(rgba: Uint8ClampedArray): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let p = 0; p < rgba.length / 4; p++) rgb.set(rgba.subarray(4 * p, 4 * p + 3), 3 * p);
  return rgb;
}

/** Packed RGB → opaque RGBA. */
function rgbaOf(rgb: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray((rgb.length / 3) * 4);
  for (let p = 0; p < rgb.length / 3; p++) {
    rgba.set(rgb.subarray(3 * p, 3 * p + 3), 4 * p);
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

/** `image` scaled to width × height (the aspect ratio is not kept, as the reference's resize). */
export function resized(image: ImageData, width: number, height: number): ImageData {
  if (image.width === width && image.height === height) return image;
  const rgb = resizeBicubic(rgbOf(image.data), image.width, image.height, 3, width, height);
  return new ImageData(rgbaOf(rgb), width, height);
}

/** An image file's pixels at its own size, as stored (alpha dropped later, no colour conversion). */
export async function decodeImage(file: Blob, name: string): Promise<ImageData> {
  const bitmap = await createImageBitmap(file, {
    colorSpaceConversion: "none",
    premultiplyAlpha: "none",
  }).catch(() => {
    throw new Error(`${name} is not an image this browser can decode`);
  });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("this browser has no 2D canvas");
    ctx.drawImage(bitmap, 0, 0);
    return ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

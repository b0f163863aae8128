/** 8-bit pixels → the networks' HWC float32 in [-1, 1], and the byte-level steps before that. */
import type { Rect } from "./transform.ts";

/** PIL's convert("L") (ITU-R 601-2 luma, fixed point), as the reference's Grayscale transform uses. */
export function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

/** Packed RGB → one luma byte per pixel. */
export function rgbToLuma(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let p = 0; p < out.length; p++) {
    out[p] = luma(rgb[3 * p] as number, rgb[3 * p + 1] as number, rgb[3 * p + 2] as number);
  }
  return out;
}

/** The rectangle `rect` of a packed image `width` pixels wide, as its own packed image. */
export function cropPixels(pixels: Uint8Array, width: number, channels: number, rect: Rect): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height * channels);
  const rowLength = rect.width * channels;
  for (let y = 0; y < rect.height; y++) {
    const start = ((rect.top + y) * width + rect.left) * channels;
    out.set(pixels.subarray(start, start + rowLength), y * rowLength);
  }
  return out;
}

/**
 * The rectangle `rect` of a packed 8-bit image (`width` pixels wide) as floats in [-1, 1] (ToTensor
 * then Normalize(0.5, 0.5): v / 127.5 - 1), mirrored left-right when `flip`: crop, flip and scaling
 * in one pass.
 */
export function toUnitRange(
  pixels: Uint8Array,
  width: number,
  channels: number,
  rect: Rect,
  flip: boolean,
): Float32Array {
  const out = new Float32Array(rect.width * rect.height * channels);
  const scale = 1 / 127.5;
  for (let y = 0; y < rect.height; y++) {
    const inRow = (rect.top + y) * width + rect.left;
    const outRow = y * rect.width;
    for (let x = 0; x < rect.width; x++) {
      const src = (inRow + (flip ? rect.width - 1 - x : x)) * channels;
      const dst = (outRow + x) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = (pixels[src + c] as number) * scale - 1;
    }
  }
  return out;
}

/**
 * RGBA bytes (a canvas's `ImageData`) → HWC floats in [-1, 1] with `channels` channels, alpha dropped:
 * the same scaling as `toUnitRange`, grey through `luma`. The browser's way into the networks.
 */
export function rgbaToUnitRange(rgba: Uint8Array | Uint8ClampedArray, channels: 1 | 3): Float32Array {
  const pixels = rgba.length / 4;
  const out = new Float32Array(pixels * channels);
  const scale = 1 / 127.5;
  for (let p = 0; p < pixels; p++) {
    const r = rgba[4 * p] as number;
    const g = rgba[4 * p + 1] as number;
    const b = rgba[4 * p + 2] as number;
    if (channels === 1) {
      out[p] = luma(r, g, b) * scale - 1;
    } else {
      out[3 * p] = r * scale - 1;
      out[3 * p + 1] = g * scale - 1;
      out[3 * p + 2] = b * scale - 1;
    }
  }
  return out;
}

/**
 * HWC floats in [-1, 1] (1 or 3 channels) → opaque RGBA bytes, grey repeated over R, G and B. Bytes are
 * (v + 1) / 2 · 255 rounded and clamped, as the image files we write, so a byte read in comes back out.
 */
export function unitRangeToRgba(values: Float32Array, channels: 1 | 3): Uint8ClampedArray<ArrayBuffer> {
  const pixels = values.length / channels;
  const out = new Uint8ClampedArray(pixels * 4); // clamps on assignment
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) {
      // Math.round, not the array's round-half-to-even, to match the files' bytes exactly
      out[4 * p + c] = Math.round(
        (((values[channels * p + (channels === 1 ? 0 : c)] as number) + 1) / 2) * 255,
      );
    }
    out[4 * p + 3] = 255;
  }
  return out;
}

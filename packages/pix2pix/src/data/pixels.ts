/** 8-bit RGB pixels → the networks' HWC float32 in [-1, 1], with the grayscale and flip steps fused in. */

/** PIL's convert("L") (ITU-R 601-2 luma, fixed point), as the reference's Grayscale transform uses. */
export function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

/**
 * Converts packed RGB bytes (height × width × 3) to `channels` floats per pixel in [-1, 1]
 * (ToTensor then Normalize(0.5, 0.5): v / 127.5 - 1), mirrored left-right when `flip`.
 */
export function rgbToUnitRange(
  rgb: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  flip: boolean,
): Float32Array {
  if (rgb.length !== width * height * 3) {
    throw new Error(`expected ${width}x${height}x3 bytes, got ${rgb.length}`);
  }
  const out = new Float32Array(width * height * channels);
  const scale = 1 / 127.5;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const src = (row + (flip ? width - 1 - x : x)) * 3;
      const dst = (row + x) * channels;
      const r = rgb[src] as number;
      const g = rgb[src + 1] as number;
      const b = rgb[src + 2] as number;
      if (channels === 1) {
        out[dst] = luma(r, g, b) * scale - 1;
      } else {
        out[dst] = r * scale - 1;
        out[dst + 1] = g * scale - 1;
        out[dst + 2] = b * scale - 1;
      }
    }
  }
  return out;
}

/**
 * Conversions between canvas pixels (RGBA bytes, as `ImageData` holds them) and the generator's
 * NHWC values in [-1, 1]. The studio feeds a drawn or uploaded image through these; the model code is
 * the same as in Node.
 */

/** RGBA bytes → HWC float values in [-1, 1], dropping alpha (the models take RGB or gray). */
export function rgbaToModelInput(rgba: Uint8ClampedArray, channels: 1 | 3): Float32Array {
  const pixels = rgba.length / 4;
  const out = new Float32Array(pixels * channels);
  for (let i = 0; i < pixels; i++) {
    const r = rgba[4 * i] ?? 0;
    const g = rgba[4 * i + 1] ?? 0;
    const b = rgba[4 * i + 2] ?? 0;
    if (channels === 1) {
      // ITU-R 601 luma, as PIL's convert("L") that the reference uses for grayscale
      out[i] = ((0.299 * r + 0.587 * g + 0.114 * b) / 255) * 2 - 1;
    } else {
      out[3 * i] = (r / 255) * 2 - 1;
      out[3 * i + 1] = (g / 255) * 2 - 1;
      out[3 * i + 2] = (b / 255) * 2 - 1;
    }
  }
  return out;
}

/** HWC values in [-1, 1] (clamped) → opaque RGBA bytes for a canvas. */
export function modelOutputToRgba(values: Float32Array, channels: 1 | 3): Uint8ClampedArray {
  const pixels = values.length / channels;
  const out = new Uint8ClampedArray(pixels * 4);
  const byte = (v: number) => Math.round(((Math.max(-1, Math.min(1, v)) + 1) / 2) * 255);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < 3; c++) out[4 * i + c] = byte(values[channels * i + (channels === 1 ? 0 : c)] ?? 0);
    out[4 * i + 3] = 255;
  }
  return out;
}

/**
 * Bicubic resizing exactly as Pillow's Image.resize(size, BICUBIC) computes it (Resample.c), so that
 * the reference's Resize / scale_width / __make_power_2 steps give the same bytes here: a separable
 * convolution with the a = -0.5 cubic, its support widened by the scale when shrinking (antialiasing),
 * fixed-point weights with 22 fractional bits, the horizontal pass first and 8-bit rounding between
 * the passes. (libvips' resize differs: on enlargement it is half a pixel off Pillow's grid.) Nothing
 * here needs Node.
 */

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);
const SUPPORT = 2;

function cubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** For each output position: the first input index, how many inputs, and their fixed-point weights. */
interface Coefficients {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly taps: number;
  readonly weights: Int32Array;
}

function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const support = SUPPORT * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const raw = new Float64Array(taps);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const n = hi - lo;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      raw[i] = cubic((i + lo - centre + 0.5) / filterScale);
      sum += raw[i] as number;
    }
    for (let i = 0; i < n; i++) {
      const w = sum !== 0 ? (raw[i] as number) / sum : (raw[i] as number);
      // C's (int)(w * 2^22 ± 0.5): round half away from zero.
      weights[o * taps + i] = Math.trunc(w < 0 ? w * ONE - 0.5 : w * ONE + 0.5);
    }
    first[o] = lo;
    count[o] = n;
  }
  return { first, count, taps, weights };
}

/** Pillow's clip8: the integer part of the fixed-point sum (an int32, as in Pillow), clamped to a byte. */
function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : Math.min(v, 255);
}

/** A rectangle of the output: only its pixels are computed (the crop that follows a resize). */
export interface OutputWindow {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Resizes packed 8-bit pixels (height × width × channels) to outWidth × outHeight, byte for byte as
 * Pillow's BICUBIC resize of an "RGB" or "L" image, and returns the `window` of the result (all of it
 * by default). Each output pixel depends only on its own row's and column's weights, so computing a
 * window alone gives the same bytes as resizing everything and cropping.
 */
export function resizeBicubic(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  window: OutputWindow = { left: 0, top: 0, width: outWidth, height: outHeight },
): Uint8Array {
  const horizontal = coefficients(width, outWidth);
  const vertical = coefficients(height, outHeight);
  const resizeX = outWidth !== width;
  const resizeY = outHeight !== height;
  // The source rows the window's vertical pass reads; only they go through the horizontal pass.
  const lastY = window.top + window.height - 1;
  const firstRow = resizeY ? (vertical.first[window.top] as number) : window.top;
  const endRow = resizeY ? (vertical.first[lastY] as number) + (vertical.count[lastY] as number) : lastY + 1;
  const rows = endRow - firstRow;
  const rowLength = window.width * channels;

  // Horizontal pass: source rows [firstRow, endRow) → the window's columns.
  const across = new Uint8Array(rows * rowLength);
  if (resizeX) {
    const { first, count, taps, weights } = horizontal;
    for (let y = 0; y < rows; y++) {
      const inRow = (y + firstRow) * width * channels;
      const outRow = y * rowLength;
      for (let wx = 0; wx < window.width; wx++) {
        const x = wx + window.left;
        const start = inRow + (first[x] as number) * channels;
        const n = count[x] as number;
        const w0 = x * taps;
        if (channels === 3) {
          // The common case, unrolled over the channels: one pass over the taps.
          let r = HALF;
          let g = HALF;
          let b = HALF;
          for (let i = 0; i < n; i++) {
            const w = weights[w0 + i] as number;
            const p = start + 3 * i;
            r = (r + (pixels[p] as number) * w) | 0;
            g = (g + (pixels[p + 1] as number) * w) | 0;
            b = (b + (pixels[p + 2] as number) * w) | 0;
          }
          across[outRow + 3 * wx] = clip8(r);
          across[outRow + 3 * wx + 1] = clip8(g);
          across[outRow + 3 * wx + 2] = clip8(b);
          continue;
        }
        for (let c = 0; c < channels; c++) {
          let sum = HALF;
          for (let i = 0; i < n; i++)
            sum += (pixels[start + i * channels + c] as number) * (weights[w0 + i] as number);
          across[outRow + wx * channels + c] = clip8(sum);
        }
      }
    }
  } else {
    for (let y = 0; y < rows; y++) {
      const start = ((y + firstRow) * width + window.left) * channels;
      across.set(pixels.subarray(start, start + rowLength), y * rowLength);
    }
  }
  if (!resizeY) return across;

  // Vertical pass, a whole row of taps at a time so the inner loop reads memory in order.
  const out = new Uint8Array(window.height * rowLength);
  const { first, count, taps, weights } = vertical;
  const sums = new Int32Array(rowLength);
  for (let wy = 0; wy < window.height; wy++) {
    const y = wy + window.top;
    const lo = (first[y] as number) - firstRow;
    const n = count[y] as number;
    sums.fill(HALF);
    for (let i = 0; i < n; i++) {
      const w = weights[y * taps + i] as number;
      const row = (lo + i) * rowLength;
      for (let x = 0; x < rowLength; x++)
        sums[x] = ((sums[x] as number) + (across[row + x] as number) * w) | 0;
    }
    const outRow = wy * rowLength;
    for (let x = 0; x < rowLength; x++) out[outRow + x] = clip8(sums[x] as number);
  }
  return out;
}

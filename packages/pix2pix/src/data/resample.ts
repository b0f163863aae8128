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
  readonly weights: Float64Array;
}

function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const support = SUPPORT * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
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

/** Pillow's clip8: the integer part of the fixed-point sum, clamped to a byte. */
function clip8(sum: number): number {
  const v = Math.floor(sum / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Resizes packed 8-bit pixels (height × width × channels) to outWidth × outHeight, byte for byte as
 * Pillow's BICUBIC resize of an "RGB" or "L" image.
 */
export function resizeBicubic(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  if (outWidth === width && outHeight === height) return pixels;
  const horizontal = coefficients(width, outWidth);
  const vertical = coefficients(height, outHeight);
  // Only the rows the vertical pass reads go through the horizontal pass, as in Pillow.
  const firstRow = vertical.first[0] as number;
  const lastRow = (vertical.first[outHeight - 1] as number) + (vertical.count[outHeight - 1] as number);
  let source = pixels;
  let rows = height;
  let rowOffset = 0;
  if (outWidth !== width) {
    rows = lastRow - firstRow;
    rowOffset = firstRow;
    source = new Uint8Array(rows * outWidth * channels);
    const { first, count, taps, weights } = horizontal;
    for (let y = 0; y < rows; y++) {
      const inRow = (y + firstRow) * width * channels;
      const outRow = y * outWidth * channels;
      for (let x = 0; x < outWidth; x++) {
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
            r += (pixels[p] as number) * w;
            g += (pixels[p + 1] as number) * w;
            b += (pixels[p + 2] as number) * w;
          }
          source[outRow + 3 * x] = clip8(r);
          source[outRow + 3 * x + 1] = clip8(g);
          source[outRow + 3 * x + 2] = clip8(b);
          continue;
        }
        for (let c = 0; c < channels; c++) {
          let sum = HALF;
          for (let i = 0; i < n; i++)
            sum += (pixels[start + i * channels + c] as number) * (weights[w0 + i] as number);
          source[outRow + x * channels + c] = clip8(sum);
        }
      }
    }
  }
  if (outHeight === height) return source;
  const out = new Uint8Array(outHeight * outWidth * channels);
  const { first, count, taps, weights } = vertical;
  const rowLength = outWidth * channels;
  const sums = new Float64Array(rowLength);
  for (let y = 0; y < outHeight; y++) {
    const lo = (first[y] as number) - rowOffset;
    const n = count[y] as number;
    // Row by row (a tap's whole row at once), so the inner loop reads memory in order.
    sums.fill(HALF);
    for (let i = 0; i < n; i++) {
      const w = weights[y * taps + i] as number;
      const row = (lo + i) * rowLength;
      for (let x = 0; x < rowLength; x++) sums[x] = (sums[x] as number) + (source[row + x] as number) * w;
    }
    const outRow = y * rowLength;
    for (let x = 0; x < rowLength; x++) out[outRow + x] = clip8(sums[x] as number);
  }
  return out;
}

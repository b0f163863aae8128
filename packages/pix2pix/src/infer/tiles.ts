/**
 * Where the tiles of a large image go and how their outputs are blended: square tiles overlapping by
 * a fixed number of pixels, each output weighted by a window that rises smoothly (raised cosine) across
 * the overlap, and the weighted sum divided by the sum of weights. Neighbouring tiles then hand over
 * gradually instead of meeting at a line. Nothing here needs Node.
 */

/** The starts of tiles `tile` long covering [0, length) with at least `overlap` shared pixels. */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const stride = Math.max(1, tile - overlap);
  const starts: number[] = [];
  for (let start = 0; start + tile < length; start += stride) starts.push(start);
  // The last tile ends at the edge (it overlaps its neighbour by more than `overlap`).
  starts.push(length - tile);
  return starts;
}

/**
 * A tile's weight along one axis, per pixel, on the sides where a neighbouring tile overlaps it
 * (`before`: towards 0, `after`: towards the end): 0 over the outer quarter of the overlap, a raised
 * cosine up to 1 over its middle half, 1 beyond. Where two tiles overlap their weights add to 1, and the
 * pixels nearest a tile's cut edge (where its convolutions saw padding instead of the image) count for
 * nothing. A side at the image's edge is not tapered, so every pixel has some weight.
 */
export function blendWindow(
  tile: number,
  overlap: number,
  sides: { before: boolean; after: boolean },
): Float32Array {
  const window = new Float32Array(tile).fill(1);
  const ramp = overlap / 2;
  if (ramp <= 0) return window;
  const start = overlap / 4;
  for (let d = 0; d < Math.min(overlap, tile / 2); d++) {
    const t = Math.min(1, Math.max(0, (d + 0.5 - start) / ramp));
    const w = 0.5 - 0.5 * Math.cos(Math.PI * t);
    if (sides.before) window[d] = w;
    if (sides.after) window[tile - 1 - d] = w;
  }
  return window;
}

/** Each tile's window along an axis with tiles at `starts` (see `blendWindow`). */
export function axisWindows(starts: readonly number[], tile: number, overlap: number): Float32Array[] {
  return starts.map((_, i) => blendWindow(tile, overlap, { before: i > 0, after: i < starts.length - 1 }));
}

/** The overlap in pixels for a tile and a fraction of it, rounded to an even number of pixels. */
export function overlapPixels(tile: number, fraction: number): number {
  return 2 * Math.round((tile * fraction) / 2);
}

/**
 * A band of output rows being blended: the weighted sums and weights of rows [top, top + rows) of an
 * image `width` pixels wide. Tiles are added to it; rows that no later tile reaches are taken out,
 * divided by their weights, and the band moves down, so only one band of tiles is ever held.
 */
export class BlendBand {
  private top = 0;
  private readonly sums: Float32Array;
  private readonly weights: Float32Array;

  constructor(
    readonly width: number,
    readonly rows: number,
    readonly channels: number,
  ) {
    this.sums = new Float32Array(width * rows * channels);
    this.weights = new Float32Array(width * rows);
  }

  /**
   * Adds a tile's output (HWC, square) whose top-left corner is at (left, top), weighted by
   * `across[x] · down[y]`.
   */
  add(tile: Float32Array, left: number, top: number, across: Float32Array, down: Float32Array): void {
    const size = across.length;
    const { channels, width } = this;
    const offset = top - this.top;
    if (offset < 0 || offset + size > this.rows) throw new Error("a tile outside the band being blended");
    for (let y = 0; y < size; y++) {
      const wy = down[y] as number;
      for (let x = 0; x < size; x++) {
        const w = wy * (across[x] as number);
        const pixel = (offset + y) * width + left + x;
        this.weights[pixel] = (this.weights[pixel] as number) + w;
        const from = (y * size + x) * channels;
        for (let c = 0; c < channels; c++) {
          const at = pixel * channels + c;
          this.sums[at] = (this.sums[at] as number) + w * (tile[from + c] as number);
        }
      }
    }
  }

  /**
   * Rows [top, until) blended (HWC, `width` wide), and the band moved to start at `until`: no tile
   * added later may reach above it.
   */
  take(until: number): Float32Array {
    const count = until - this.top;
    const { width, channels } = this;
    const out = new Float32Array(count * width * channels);
    for (let p = 0; p < count * width; p++) {
      const w = this.weights[p] as number;
      for (let c = 0; c < channels; c++) out[p * channels + c] = (this.sums[p * channels + c] as number) / w;
    }
    this.sums.copyWithin(0, count * width * channels);
    this.sums.fill(0, (this.rows - count) * width * channels);
    this.weights.copyWithin(0, count * width);
    this.weights.fill(0, (this.rows - count) * width);
    this.top = until;
    return out;
  }
}
